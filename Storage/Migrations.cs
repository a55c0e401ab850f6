namespace FriendLite.Edge.Storage;

/// <summary>
/// The schema, as numbered migrations. Each runs once, in its own transaction, and is recorded in
/// <c>schema_migrations</c>. Never edit a migration that has shipped: add the next number.
/// Times are stored as Unix milliseconds (UTC).
/// </summary>
internal static class Migrations
{
    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "initial schema", """
            CREATE TABLE users (
                id            TEXT PRIMARY KEY,
                email         TEXT NOT NULL COLLATE NOCASE,
                display_name  TEXT,
                password_hash TEXT NOT NULL,
                is_admin      INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
                is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
                created_at    INTEGER NOT NULL,
                -- A deleted user whose data was kept stays as a tombstone: it cannot log in, its
                -- tokens fail, its email is free again, and its rows keep a valid owner.
                deleted_at    INTEGER
            );
            CREATE UNIQUE INDEX users_email_live ON users (email COLLATE NOCASE) WHERE deleted_at IS NULL;

            CREATE TABLE clients (
                user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                client_id   TEXT NOT NULL,
                device_name TEXT,
                first_seen  INTEGER NOT NULL,
                last_seen   INTEGER NOT NULL,
                PRIMARY KEY (user_id, client_id)
            );

            CREATE TABLE conversations (
                id           TEXT PRIMARY KEY,
                user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                client_id    TEXT NOT NULL,
                started_at   INTEGER NOT NULL,
                ended_at     INTEGER,
                audio_path   TEXT,
                sample_rate  INTEGER NOT NULL DEFAULT 16000,
                sample_count INTEGER NOT NULL DEFAULT 0,
                state        TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'failed'))
            );
            CREATE INDEX conversations_by_user ON conversations (user_id, started_at);
            CREATE INDEX conversations_by_client ON conversations (user_id, client_id, started_at);

            CREATE TABLE transcript_segments (
                id              INTEGER PRIMARY KEY,
                conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
                start_seconds   REAL NOT NULL,
                end_seconds     REAL NOT NULL CHECK (end_seconds >= start_seconds),
                text            TEXT NOT NULL,
                speaker         TEXT,
                engine          TEXT,
                model           TEXT,
                created_at      INTEGER NOT NULL
            );
            CREATE INDEX transcript_segments_by_conversation ON transcript_segments (conversation_id, start_seconds);

            CREATE TABLE memories (
                id              INTEGER PRIMARY KEY,
                user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                conversation_id TEXT REFERENCES conversations(id) ON DELETE SET NULL,
                text            TEXT NOT NULL,
                kind            TEXT NOT NULL DEFAULT 'note',
                source          TEXT NOT NULL DEFAULT 'local',
                created_at      INTEGER NOT NULL
            );
            CREATE INDEX memories_by_user ON memories (user_id, created_at);

            -- Full-text index over memories, kept in step by triggers (external content table).
            CREATE VIRTUAL TABLE memories_fts USING fts5 (
                text, content = 'memories', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
            );
            CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
                INSERT INTO memories_fts (rowid, text) VALUES (new.id, new.text);
            END;
            CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
                INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
            END;
            CREATE TRIGGER memories_fts_update AFTER UPDATE OF text ON memories BEGIN
                INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
                INSERT INTO memories_fts (rowid, text) VALUES (new.id, new.text);
            END;

            -- Durable work that must outlive a client (transcription backlog, memory extraction).
            CREATE TABLE jobs (
                id           INTEGER PRIMARY KEY,
                kind         TEXT NOT NULL,
                payload      TEXT NOT NULL,
                state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed')),
                attempts     INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL DEFAULT 5,
                next_run_at  INTEGER NOT NULL,
                last_error   TEXT,
                created_at   INTEGER NOT NULL,
                updated_at   INTEGER NOT NULL
            );
            CREATE INDEX jobs_due ON jobs (state, next_run_at);
            """),
        new(2, "jobs can be cancelled by an administrator", """
            CREATE TABLE jobs_v2 (
                id           INTEGER PRIMARY KEY,
                kind         TEXT NOT NULL,
                payload      TEXT NOT NULL,
                state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
                attempts     INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL DEFAULT 5,
                next_run_at  INTEGER NOT NULL,
                last_error   TEXT,
                created_at   INTEGER NOT NULL,
                updated_at   INTEGER NOT NULL
            );
            INSERT INTO jobs_v2 (id, kind, payload, state, attempts, max_attempts, next_run_at, last_error, created_at, updated_at)
                SELECT id, kind, payload, state, attempts, max_attempts, next_run_at, last_error, created_at, updated_at FROM jobs;
            DROP TABLE jobs;
            ALTER TABLE jobs_v2 RENAME TO jobs;
            CREATE INDEX jobs_due ON jobs (state, next_run_at);
            """),
        new(3, "one transcript row per segment of a conversation", """
            DELETE FROM transcript_segments WHERE id NOT IN (SELECT min(id) FROM transcript_segments GROUP BY conversation_id, start_seconds);
            DROP INDEX transcript_segments_by_conversation;
            CREATE UNIQUE INDEX transcript_segments_by_conversation ON transcript_segments (conversation_id, start_seconds);
            """),
        // Tokens carry the version they were issued under; a password change bumps it, revoking them.
        // Tokens from before this migration carry none and count as version 0.
        new(4, "a token version per user, so a password change revokes earlier tokens", """
            ALTER TABLE users ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
            """),
        // Memories: what extraction made them from (its source and segments), action items beside
        // them, both searchable with a stemming full-text index (a search for "calling" finds
        // "call"), titles and summaries of conversations, and the jobs of a conversation found by
        // index (an extraction waits until that conversation's transcription jobs are done).
        new(5, "memories with their sources, action items, conversation titles, stemmed search", """
            ALTER TABLE conversations ADD COLUMN title TEXT;
            ALTER TABLE conversations ADD COLUMN summary TEXT;

            ALTER TABLE memories ADD COLUMN segments TEXT NOT NULL DEFAULT '[]';
            ALTER TABLE memories ADD COLUMN updated_at INTEGER;
            CREATE INDEX memories_by_conversation ON memories (conversation_id);

            DROP TRIGGER memories_fts_insert;
            DROP TRIGGER memories_fts_delete;
            DROP TRIGGER memories_fts_update;
            DROP TABLE memories_fts;
            CREATE VIRTUAL TABLE memories_fts USING fts5 (
                text, content = 'memories', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2'
            );
            CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
                INSERT INTO memories_fts (rowid, text) VALUES (new.id, new.text);
            END;
            CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
                INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
            END;
            CREATE TRIGGER memories_fts_update AFTER UPDATE OF text ON memories BEGIN
                INSERT INTO memories_fts (memories_fts, rowid, text) VALUES ('delete', old.id, old.text);
                INSERT INTO memories_fts (rowid, text) VALUES (new.id, new.text);
            END;
            INSERT INTO memories_fts (memories_fts) VALUES ('rebuild');

            CREATE TABLE action_items (
                id                 INTEGER PRIMARY KEY,
                user_id            TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                conversation_id    TEXT REFERENCES conversations(id) ON DELETE SET NULL,
                description        TEXT NOT NULL,
                assignee           TEXT,
                -- The due moment in UTC and the offset it was said in, so it is shown as it was meant.
                due_at             INTEGER,
                due_offset_minutes INTEGER,
                priority           TEXT,
                context            TEXT,
                status             TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed')),
                source             TEXT NOT NULL DEFAULT 'local',
                segments           TEXT NOT NULL DEFAULT '[]',
                created_at         INTEGER NOT NULL,
                updated_at         INTEGER NOT NULL,
                completed_at       INTEGER
            );
            CREATE INDEX action_items_by_user ON action_items (user_id, status, created_at);
            CREATE INDEX action_items_by_conversation ON action_items (conversation_id);
            CREATE VIRTUAL TABLE action_items_fts USING fts5 (
                description, context, content = 'action_items', content_rowid = 'id', tokenize = 'porter unicode61 remove_diacritics 2'
            );
            CREATE TRIGGER action_items_fts_insert AFTER INSERT ON action_items BEGIN
                INSERT INTO action_items_fts (rowid, description, context) VALUES (new.id, new.description, new.context);
            END;
            CREATE TRIGGER action_items_fts_delete AFTER DELETE ON action_items BEGIN
                INSERT INTO action_items_fts (action_items_fts, rowid, description, context) VALUES ('delete', old.id, old.description, old.context);
            END;
            CREATE TRIGGER action_items_fts_update AFTER UPDATE OF description, context ON action_items BEGIN
                INSERT INTO action_items_fts (action_items_fts, rowid, description, context) VALUES ('delete', old.id, old.description, old.context);
                INSERT INTO action_items_fts (rowid, description, context) VALUES (new.id, new.description, new.context);
            END;

            CREATE INDEX jobs_by_conversation ON jobs (kind, state, (CASE WHEN json_valid(payload) THEN json_extract(payload, '$.conversation_id') END));
            """),
        // A deleted job's id must never come back: a worker still holding a job that was deleted
        // under it (its conversation or user deleted) records its outcome by id, and without
        // AUTOINCREMENT SQLite may give that id to the next new job.
        new(6, "job ids are never reused", """
            CREATE TABLE jobs_v6 (
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                kind         TEXT NOT NULL,
                payload      TEXT NOT NULL,
                state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
                attempts     INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL DEFAULT 5,
                next_run_at  INTEGER NOT NULL,
                last_error   TEXT,
                created_at   INTEGER NOT NULL,
                updated_at   INTEGER NOT NULL
            );
            INSERT INTO jobs_v6 (id, kind, payload, state, attempts, max_attempts, next_run_at, last_error, created_at, updated_at)
                SELECT id, kind, payload, state, attempts, max_attempts, next_run_at, last_error, created_at, updated_at FROM jobs;
            DROP TABLE jobs;
            ALTER TABLE jobs_v6 RENAME TO jobs;
            CREATE INDEX jobs_due ON jobs (state, next_run_at);
            CREATE INDEX jobs_by_conversation ON jobs (kind, state, (CASE WHEN json_valid(payload) THEN json_extract(payload, '$.conversation_id') END));
            """),
    ];

    public static int Latest => All[^1].Version;
}

internal sealed record Migration(int Version, string Name, string Sql);

using System.Security.Cryptography;
using Microsoft.Data.Sqlite;

namespace FriendLite.Edge.Storage;

internal sealed record User(
    string Id,
    string Email,
    string? DisplayName,
    string PasswordHash,
    bool IsAdmin,
    bool IsActive,
    DateTimeOffset CreatedAt,
    int TokenVersion = 0);

/// <summary>Users in SQLite. Emails compare case-insensitively; deleted users are invisible here.</summary>
internal sealed class UserStore(Database database)
{
    private const string Columns = "id, email, display_name, password_hash, is_admin, is_active, created_at";
    private const string ReadColumns = Columns + ", token_version";

    /// <summary>Creates a user, or returns null when a live user already has that email.</summary>
    public async Task<User?> CreateAsync(string email, string? displayName, string passwordHash, bool isAdmin, CancellationToken cancellationToken)
    {
        var user = new User(NewId(), email, displayName, passwordHash, isAdmin, IsActive: true, DateTimeOffset.UtcNow);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO users ({Columns}) VALUES ($id, $email, $name, $hash, $admin, 1, $created);";
        command.Parameters.AddWithValue("$id", user.Id);
        command.Parameters.AddWithValue("$email", user.Email);
        command.Parameters.AddWithValue("$name", (object?)user.DisplayName ?? DBNull.Value);
        command.Parameters.AddWithValue("$hash", user.PasswordHash);
        command.Parameters.AddWithValue("$admin", user.IsAdmin ? 1 : 0);
        command.Parameters.AddWithValue("$created", user.CreatedAt.ToUnixTimeMilliseconds());
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT: the email is taken */)
        {
            return null;
        }

        return user with { CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(user.CreatedAt.ToUnixTimeMilliseconds()) };
    }

    public Task<User?> FindByIdAsync(string id, CancellationToken cancellationToken) =>
        FindOneAsync("id = $value", id, cancellationToken);

    public Task<User?> FindByEmailAsync(string email, CancellationToken cancellationToken) =>
        FindOneAsync("email = $value", email, cancellationToken);

    public async Task<IReadOnlyList<User>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {ReadColumns} FROM users WHERE deleted_at IS NULL ORDER BY created_at, email;";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var users = new List<User>();
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(Read(reader));
        }

        return users;
    }

    public async Task<bool> AnyAdminAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM users WHERE is_admin = 1 AND is_active = 1 AND deleted_at IS NULL);";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }

    public Task<bool> SetPasswordHashAsync(string id, string passwordHash, CancellationToken cancellationToken) =>
        UpdateAsync("password_hash = $value", id, passwordHash, cancellationToken);

    /// <summary>A new password chosen by someone: unlike a rehash at login, it revokes every earlier token.</summary>
    public Task<bool> ChangePasswordHashAsync(string id, string passwordHash, CancellationToken cancellationToken) =>
        UpdateAsync("password_hash = $value, token_version = token_version + 1", id, passwordHash, cancellationToken);

    public Task<bool> SetDisplayNameAsync(string id, string? displayName, CancellationToken cancellationToken) =>
        UpdateAsync("display_name = $value", id, (object?)displayName ?? DBNull.Value, cancellationToken);

    /// <summary>Changes a user's email; false when another live user has it already (emails compare case-insensitively).</summary>
    public async Task<bool> SetEmailAsync(string id, string email, CancellationToken cancellationToken)
    {
        try
        {
            return await UpdateAsync("email = $value", id, email, cancellationToken);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19 /* SQLITE_CONSTRAINT: the email is taken */)
        {
            return false;
        }
    }

    public Task<bool> SetActiveAsync(string id, bool active, CancellationToken cancellationToken) =>
        UpdateAsync("is_active = $value", id, active ? 1 : 0, cancellationToken);

    public Task<bool> SetAdminAsync(string id, bool admin, CancellationToken cancellationToken) =>
        UpdateAsync("is_admin = $value", id, admin ? 1 : 0, cancellationToken);

    /// <summary>
    /// Deletes a user. With <paramref name="deleteData"/> its rows go too (clients, conversations,
    /// transcripts, memories, and the jobs of its conversations) and the audio paths are returned for
    /// the caller to remove; without,
    /// the user becomes a tombstone that keeps its data. Returns null when no such user exists.
    /// </summary>
    public async Task<IReadOnlyList<string>?> DeleteAsync(string id, bool deleteData, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$id", id);
        command.CommandText = "SELECT count(*) FROM users WHERE id = $id AND deleted_at IS NULL;";
        if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return null;
        }

        var audio = new List<string>();
        if (deleteData)
        {
            command.CommandText = "SELECT audio_path FROM conversations WHERE user_id = $id AND audio_path IS NOT NULL;";
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    audio.Add(reader.GetString(0));
                }
            }

            // Jobs name their conversation only in their payload: without this they would outlive it and
            // fail, attempt after attempt, on audio that is gone.
            command.CommandText = """
                DELETE FROM jobs WHERE json_valid(payload)
                    AND json_extract(payload, '$.conversation_id') IN (SELECT id FROM conversations WHERE user_id = $id);
                """;
            await command.ExecuteNonQueryAsync(cancellationToken);
            command.CommandText = "DELETE FROM users WHERE id = $id;"; // cascades to the user's rows
        }
        else
        {
            command.CommandText = "UPDATE users SET deleted_at = $now, is_active = 0 WHERE id = $id;";
            command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return audio;
    }

    /// <summary>24 hex digits, like the MongoDB ids Friend-Lite used (client ids take the last 6).</summary>
    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    private async Task<User?> FindOneAsync(string condition, string value, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {ReadColumns} FROM users WHERE {condition} AND deleted_at IS NULL;";
        command.Parameters.AddWithValue("$value", value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private async Task<bool> UpdateAsync(string assignment, string id, object value, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"UPDATE users SET {assignment} WHERE id = $id AND deleted_at IS NULL;";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$value", value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static User Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.GetString(3),
        reader.GetInt64(4) == 1,
        reader.GetInt64(5) == 1,
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
        reader.GetInt32(7));
}

using System.Reflection;
using System.Runtime.InteropServices;
using FriendLite.Edge.Diagnostics;
using Whisper.net.LibraryLoader;

namespace FriendLite.Edge.Native;

/// <summary>
/// Loads the native libraries a published binary carries (<see cref="NativeBundle"/>) from the
/// cache, on first use: SQLite when the first database opens, Whisper's four libraries when the
/// first model loads. SQLite is found through a DllImport resolver on its provider's assembly;
/// Whisper's libraries are loaded here, in their dependency order, and Whisper.net is told it has
/// been loaded (its own loader would look beside the binary and check the CPU with intrinsics that
/// a baseline build reports as absent). A development build carries none and changes nothing.
/// </summary>
internal static class NativeLibraries
{
    /// <summary>Whisper.net's libraries, dependencies first (libwhisper needs ggml and ggml-base by their sonames).</summary>
    internal static readonly string[] WhisperFiles = ["libggml-base-whisper.so", "libggml-cpu-whisper.so", "libggml-whisper.so", "libwhisper.so"];
    internal const string SqliteFile = "libe_sqlite3.so";

    private static readonly Lock s_gate = new();
    private static Log s_log = Log.Null;
    private static TextWriter s_error = TextWriter.Null;
    private static nint s_sqlite, s_whisper;
    private static int s_registered;

    /// <summary>At process start, before any database or model: installs the resolvers (no file is touched yet).</summary>
    public static void Register(Log log, TextWriter error)
    {
        s_log = log;
        s_error = error;
        if (NativeBundle.Embedded is null || Interlocked.Exchange(ref s_registered, 1) == 1)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, ResolveSqlite);
        NativeLibrary.SetDllImportResolver(typeof(Whisper.net.WhisperFactory).Assembly, ResolveWhisper);
    }

    /// <summary>
    /// Makes local Whisper loadable, or throws <see cref="InvalidDataException"/> with one sentence:
    /// a CPU it cannot run on, a cache it cannot use, a library the system cannot load.
    /// </summary>
    public static void EnsureWhisper()
    {
        if (CpuFeatures.Current.WhisperUnsupportedReason is { } reason)
        {
            throw new InvalidDataException($"{Capitalised(reason)}: transcribe through a Wyoming server instead, with --asr wyoming://HOST:PORT.");
        }

        if (NativeBundle.Embedded is not { } bundle)
        {
            return;
        }

        lock (s_gate)
        {
            if (s_whisper != 0)
            {
                return;
            }

            try
            {
                var folder = Cache(bundle).Prepare(WhisperFiles);
                nint handle = 0;
                foreach (var file in WhisperFiles)
                {
                    handle = Load(Path.Combine(folder, file));
                }

                s_whisper = handle;
                RuntimeOptions.LoadedLibrary = RuntimeLibrary.Cpu;
            }
            catch (NativeLibraryException ex)
            {
                throw new InvalidDataException($"Local Whisper is unavailable: {ex.Message}.", ex);
            }
        }
    }

    /// <summary>SQLite, placed and loaded: called by its resolver when the first database opens.</summary>
    private static void EnsureSqlite()
    {
        if (NativeBundle.Embedded is not { } bundle)
        {
            return;
        }

        lock (s_gate)
        {
            if (s_sqlite == 0)
            {
                var folder = Cache(bundle).Prepare([SqliteFile]);
                s_sqlite = Load(Path.Combine(folder, SqliteFile));
            }
        }
    }

    private static NativeCache Cache(NativeBundle bundle) => new(bundle, NativeCache.Roots(Environment.GetEnvironmentVariable), s_log);

    private static nint Load(string path)
    {
        try
        {
            return NativeLibrary.Load(path);
        }
        catch (DllNotFoundException ex)
        {
            // dlerror's text names what is missing: a system library (libgomp.so.1, libstdc++.so.6) or a noexec mount.
            throw new NativeLibraryException($"{Path.GetFileName(path)} does not load ({ex.Message.Trim().TrimEnd('.')}); install libgomp1 and libstdc++6, or set FRIENDLITE_NATIVE_CACHE to a folder that allows executables", ex);
        }
    }

    private static nint ResolveSqlite(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != "e_sqlite3")
        {
            return 0;
        }

        try
        {
            EnsureSqlite();
            return s_sqlite;
        }
        catch (NativeLibraryException ex)
        {
            // No command can do anything without its database, and an exception thrown here would
            // reach the user as a type initializer's failure: say why in one sentence and stop.
            s_error.WriteLine($"error: SQLite is unavailable: {ex.Message}.");
            s_error.Flush();
            Environment.Exit(1);
            return 0;
        }
    }

    private static nint ResolveWhisper(string name, Assembly assembly, DllImportSearchPath? path) =>
        name == "libwhisper" ? Volatile.Read(ref s_whisper) : 0;

    private static string Capitalised(string sentence) => char.ToUpperInvariant(sentence[0]) + sentence[1..];
}

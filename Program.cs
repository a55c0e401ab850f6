using System.CommandLine;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Backup;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Install;
using FriendLite.Edge.Jobs;
using FriendLite.Edge.Loadgen;
using FriendLite.Edge.Native;
using FriendLite.Edge.Server;
using FriendLite.Edge.Transcription;

// A published binary carries its native libraries; they are placed in a cache when first needed.
NativeLibraries.Register(Log.ForConsole(LogLevel.Info), Console.Error);
return await CommandLine.InvokeAsync(FriendLite.Edge.Commands.Root(Console.Out, Console.Error), args, Console.Out, Console.Error);

namespace FriendLite.Edge
{
    /// <summary>Composition only: the command tree. Each command lives with its feature.</summary>
    internal static class Commands
    {
        public static RootCommand Root(TextWriter output, TextWriter error, Func<string, string?>? prompt = null)
        {
            var root = new RootCommand("FriendLite.Edge: a self-hosted, offline-capable server for always-on wearable voice recorders. "
                + "Start it with 'friendlite-edge serve --data-dir DIR', then create an administrator with 'friendlite-edge user add --email EMAIL --admin --data-dir DIR'.")
            {
                ServeCommand.Create(),
                StatusCommand.Create(output, error),
                DoctorCommand.Create(output),
                LoadgenCommand.Create(output, error),
                TranscribeCommand.Create(output, error),
                ModelCommand.Create(output, error),
                JobsCommand.Create(output, error),
            };
            foreach (var command in UserCommands.Create(output, error, prompt).Concat(BackupCommand.Create(output, error)))
            {
                root.Subcommands.Add(command);
            }

            root.Subcommands.Add(InstallCommand.Create(output, error));

            return root;
        }
    }
}

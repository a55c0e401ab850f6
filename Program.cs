using System.CommandLine;
using FriendLite.Edge.Accounts;
using FriendLite.Edge.Cli;
using FriendLite.Edge.Jobs;
using FriendLite.Edge.Loadgen;
using FriendLite.Edge.Server;
using FriendLite.Edge.Transcription;

// Composition only: the command tree. Each command lives with its feature.
var root = new RootCommand("FriendLite.Edge: a self-hosted, offline-capable server for always-on wearable voice recorders.")
{
    ServeCommand.Create(),
    StatusCommand.Create(Console.Out, Console.Error),
    LoadgenCommand.Create(Console.Out, Console.Error),
    TranscribeCommand.Create(Console.Out, Console.Error),
    ModelCommand.Create(Console.Out, Console.Error),
    JobsCommand.Create(Console.Out, Console.Error),
};
foreach (var command in UserCommands.Create(Console.Out, Console.Error))
{
    root.Subcommands.Add(command);
}

return await CommandLine.InvokeAsync(root, args, Console.Out, Console.Error);

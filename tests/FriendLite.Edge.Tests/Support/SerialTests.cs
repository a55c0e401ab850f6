namespace FriendLite.Edge.Tests.Support;

/// <summary>
/// Tests that read process-wide state (environment variables, live-group and thread counts) run in
/// this collection, which xunit runs alone, so parallel tests cannot disturb what they measure.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialTests
{
    public const string Name = "serial";
}

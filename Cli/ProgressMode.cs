namespace FriendLite.Edge.Cli;

/// <summary>
/// How a command shows progress on stderr: whether stderr is a terminal (one line rewritten in
/// place) or not (plain lines for pipes, journald and CI), the clock progress is paced by, and the
/// terminal's width (0: unknown) that an in-place line must fit in. Commands take one so tests can
/// pick either mode; the binary decides from the real stderr.
/// </summary>
internal sealed record ProgressMode(bool Terminal, TimeProvider Time, int Width = 0)
{
    /// <summary>Plain lines on the system clock: what any writer but the process's own stderr gets.</summary>
    public static ProgressMode Plain { get; } = new(Terminal: false, TimeProvider.System);

    /// <summary>A terminal only when <paramref name="error"/> is the process's stderr and that is not redirected.</summary>
    public static ProgressMode For(TextWriter error) =>
        ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected
            ? new ProgressMode(Terminal: true, TimeProvider.System, TerminalWidth())
            : Plain;

    private static int TerminalWidth()
    {
        try
        {
            return Math.Max(Console.WindowWidth, 0);
        }
        catch (Exception ex) when (ex is IOException or PlatformNotSupportedException)
        {
            return 0;
        }
    }
}

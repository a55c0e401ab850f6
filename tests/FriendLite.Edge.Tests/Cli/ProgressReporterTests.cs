using FriendLite.Edge.Cli;
using FriendLite.Edge.Tests.Support;

namespace FriendLite.Edge.Tests.Cli;

/// <summary>The progress line of long commands, in both modes, on a clock the test moves.</summary>
public sealed class ProgressReporterTests : IDisposable
{
    private readonly ManualTime _time = new(DateTimeOffset.UnixEpoch);
    private readonly StringWriter _error = new() { NewLine = "\n" };

    public void Dispose() => _error.Dispose();

    [Fact]
    public void NotATerminal_ATenthAtATimeButNotOftenerThanEveryFiveSeconds()
    {
        using var progress = new ProgressReporter(_error, "job...", new ProgressMode(Terminal: false, _time));

        // 1 % every 100 ms: a tenth is done every second, so the five seconds decide.
        for (var percent = 0; percent < 100; percent++)
        {
            progress.Report(percent / 100.0, () => $"{percent} units");
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        progress.Finish("100 units in 10 s");

        Assert.Equal(
            "job... 0%: 0 units\n" +
            "job... 50%: 50 units, about 5 s left\n" +
            "job... 100%: 100 units in 10 s\n", _error.ToString());
    }

    [Fact]
    public void NotATerminal_SlowWork_OneLinePerTenth()
    {
        using var progress = new ProgressReporter(_error, "job...", new ProgressMode(Terminal: false, _time));

        // 1 % every 2 s: a minute between tenths, and nothing in between.
        for (var percent = 0; percent < 100; percent++)
        {
            progress.Report(percent / 100.0);
            _time.Advance(TimeSpan.FromSeconds(2));
        }

        progress.Finish("done");

        var lines = _error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["job... 0%", "job... 10%: about 3 min left", "job... 20%: about 3 min left", "job... 30%: about 3 min left"], lines[..4]);
        Assert.Equal(11, lines.Length);
        Assert.Equal("job... 100%: done", lines[^1]);
    }

    [Fact]
    public void NotATerminal_UnknownTotal_ALineEveryTenSeconds()
    {
        using var progress = new ProgressReporter(_error, "job (size unknown)...", new ProgressMode(Terminal: false, _time));

        for (var second = 0; second <= 25; second++)
        {
            progress.Report(null, () => $"{second} MB");
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        progress.Finish("26 MB in 26 s");

        Assert.Equal("job (size unknown)... 0 MB\njob (size unknown)... 10 MB\njob (size unknown)... 20 MB\njob (size unknown)... 100%: 26 MB in 26 s\n", _error.ToString());
    }

    [Fact]
    public void Terminal_RewritesOneLineAtMostFourTimesASecondAndEndsIt()
    {
        using var progress = new ProgressReporter(_error, "job...", new ProgressMode(Terminal: true, _time));

        progress.Report(0);
        progress.Report(0.10); // at once: not drawn
        _time.Advance(TimeSpan.FromMilliseconds(200));
        progress.Report(0.20); // 200 ms: not yet
        _time.Advance(TimeSpan.FromMilliseconds(50));
        progress.Report(0.25, () => "long details here"); // 250 ms: drawn
        _time.Advance(TimeSpan.FromMilliseconds(250));
        progress.Report(0.5, () => "short"); // drawn, with spaces over what the longer line left
        progress.Finish("done");

        Assert.Equal(
            "\rjob... 0%" +
            "\rjob... 25%: long details here" +
            "\rjob... 50%: short" + new string(' ', "long details here".Length - "short".Length) +
            "\rjob... 100%: done\n", _error.ToString());
    }

    [Fact]
    public void Terminal_NeverGoesBackAndKeeps100ForTheEnd()
    {
        using var progress = new ProgressReporter(_error, "job...", new ProgressMode(Terminal: true, new SteppingTime(TimeSpan.FromSeconds(1))));

        progress.Report(0.6);
        progress.Report(0.3);
        progress.Report(0.995);
        progress.Report(1.5); // all done: the next line is Finish's
        progress.Finish("done");

        Assert.Equal(["job... 60%", "job... 60%", "job... 99%", "job... 100%"], _error.ToString().TrimEnd('\n').Split('\r', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split(':')[0].TrimEnd()));
    }

    [Fact]
    public void Terminal_LineWiderThanTheTerminal_IsCutToFit()
    {
        using var progress = new ProgressReporter(_error, "a-long-file-name.wav...", new ProgressMode(Terminal: true, _time, Width: 20));

        progress.Report(0.5, () => "12.0 s done");

        Assert.Equal("\ra-long-file-name.wa", _error.ToString());
    }

    [Fact]
    public void Terminal_UnfinishedTask_EndsItsLineSoAnErrorStartsOnItsOwn()
    {
        using (var progress = new ProgressReporter(_error, "job...", new ProgressMode(Terminal: true, _time)))
        {
            progress.Report(0.4);
        }

        _error.WriteLine("error: the mirror went away");

        Assert.Equal("\rjob... 40%\nerror: the mirror went away\n", _error.ToString());
    }

    [Fact]
    public void ModeForAStringWriter_IsPlainLines()
    {
        Assert.False(ProgressMode.For(_error).Terminal);
    }
}

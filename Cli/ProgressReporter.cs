using System.Globalization;

namespace FriendLite.Edge.Cli;

/// <summary>
/// The progress of one long task on stderr: "LABEL N%: details" (or "LABEL details" when the total
/// is unknown), ending with exactly one "LABEL 100%: summary" from <see cref="Finish"/>.
/// On a terminal the line is rewritten in place (carriage return) at most every
/// <see cref="RedrawInterval"/> and ended with a newline; anywhere else each shown state is a plain
/// line, one per tenth of the work at most every <see cref="LineInterval"/> (whichever is rarer),
/// or every <see cref="UnknownTotalLineInterval"/> without a total. The percentage never goes back.
/// Safe to call from another thread (Whisper reports from its own).
/// </summary>
internal sealed class ProgressReporter : IDisposable
{
    public static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan LineInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan UnknownTotalLineInterval = TimeSpan.FromSeconds(10);

    private readonly TextWriter _writer;
    private readonly string _label;
    private readonly ProgressMode _mode;
    private readonly long _started;
    private readonly Lock _gate = new();
    private double? _firstFraction;
    private double _fraction;
    private int _shownPercent = -1, _drawnLength;
    private long _lastShown;
    private bool _shownAny, _lineOpen, _finished;

    public ProgressReporter(TextWriter writer, string label, ProgressMode mode)
    {
        _writer = writer;
        _label = label;
        _mode = mode;
        _started = mode.Time.GetTimestamp();
    }

    /// <summary>Time since the reporter was made: the task's duration, on the mode's clock.</summary>
    public TimeSpan Elapsed => _mode.Time.GetElapsedTime(_started);

    /// <summary>
    /// Where the task is: <paramref name="fraction"/> of it done (0 to 1; null when the total is
    /// unknown). <paramref name="detail"/> is only built when the state is shown; an estimate of the
    /// time left is added to it once one is sensible. All done is not shown: that is <see cref="Finish"/>'s line.
    /// </summary>
    public void Report(double? fraction, Func<string?>? detail = null)
    {
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            int? percent = null;
            if (fraction is { } f)
            {
                _fraction = Math.Max(_fraction, double.IsNaN(f) ? 0 : Math.Clamp(f, 0, 1));
                _firstFraction ??= _fraction;
                percent = Math.Min((int)Math.Floor((_fraction * 100) + 1e-9), 99); // 0.29 * 100 is 28.999...
            }

            var now = _mode.Time.GetTimestamp();
            if (_fraction >= 1 || !Due(percent, _mode.Time.GetElapsedTime(_lastShown, now)))
            {
                return;
            }

            var text = detail?.Invoke();
            if (fraction is not null && Remaining(_fraction) is { } left)
            {
                text = text is null ? left : $"{text}, {left}";
            }

            Show(percent is { } p ? $"{_label} {p}%{(text is null ? "" : ": " + text)}" : $"{_label} {text}".TrimEnd(), ending: false);
            _lastShown = now;
            _shownPercent = percent ?? _shownPercent;
        }
    }

    /// <summary>The task is done: "LABEL 100%: <paramref name="summary"/>", on its own line.</summary>
    public void Finish(string summary)
    {
        lock (_gate)
        {
            if (!_finished)
            {
                _finished = true;
                Show($"{_label} 100%: {summary}", ending: true);
            }
        }
    }

    /// <summary>A task that did not finish still ends its terminal line, so what is printed next starts on its own.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _finished = true;
            if (_lineOpen)
            {
                _writer.WriteLine();
                _lineOpen = false;
            }
        }
    }

    /// <summary>"about 45 s left", from the pace since the first report, once at least a second has gone and some work is done.</summary>
    private string? Remaining(double fraction)
    {
        var elapsed = Elapsed;
        var done = fraction - (_firstFraction ?? 0);
        if (done <= 0 || fraction >= 1 || elapsed < TimeSpan.FromSeconds(1))
        {
            return null;
        }

        var left = elapsed.TotalSeconds * (1 - fraction) / done;
        return "about " + (left switch
        {
            < 60 => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(1, Math.Ceiling(left))} s"),
            < 3600 => string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(left / 60)} min"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(left / 3600)} h {Math.Floor(left % 3600 / 60)} min"),
        }) + " left";
    }

    private bool Due(int? percent, TimeSpan sinceShown)
    {
        if (!_shownAny)
        {
            return true;
        }

        if (_mode.Terminal)
        {
            return sinceShown >= RedrawInterval;
        }

        return percent is { } p
            ? p / 10 > _shownPercent / 10 && sinceShown >= LineInterval
            : sinceShown >= UnknownTotalLineInterval;
    }

    private void Show(string text, bool ending)
    {
        _shownAny = true;
        if (!_mode.Terminal)
        {
            _writer.WriteLine(text);
            return;
        }

        // A line wider than the terminal wraps, and a carriage return only goes back to its last row.
        if (!ending && _mode.Width > 1 && text.Length >= _mode.Width)
        {
            text = text[..(_mode.Width - 1)];
        }

        _writer.Write("\r" + text.PadRight(_drawnLength));
        _drawnLength = text.Length;
        _lineOpen = true;
        if (ending)
        {
            _writer.WriteLine();
            _lineOpen = false;
        }
    }
}

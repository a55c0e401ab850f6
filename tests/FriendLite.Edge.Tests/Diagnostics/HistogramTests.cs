using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Tests.Diagnostics;

public sealed class HistogramTests
{
    [Fact]
    public void Cumulative_CountsEachObservationAtItsBoundAndEveryLargerOne()
    {
        var histogram = new Histogram(1, 5, 10);

        foreach (var seconds in new[] { 0.2, 1, 3, 7, 12, 600 })
        {
            histogram.Observe(seconds);
        }

        Assert.Equal([2L, 3, 4, 6], histogram.Cumulative()); // le=1 holds 1 itself; +Inf holds all
        Assert.Equal(6, histogram.Count);
        Assert.Equal(623.2, histogram.Sum, precision: 9);
    }

    [Fact]
    public void Constructor_BoundsOutOfOrder_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Histogram(5, 1));
    }
}

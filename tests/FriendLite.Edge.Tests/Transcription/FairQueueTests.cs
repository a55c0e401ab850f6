using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Transcription;

/// <summary>The scheduler's queue: round-robin between devices, and taking back exactly a departed session's requests.</summary>
public sealed class FairQueueTests
{
    [Fact]
    public void Withdraw_ADepartedSessionsRequests_LeavesThoseOfItsReconnectUnderTheSameClientId()
    {
        // A device left with two segments queued, was released at once, and reconnected under the
        // same client id with one more: the server's drain of the old session takes back only its own.
        var queue = new FairQueue(10);
        var departed = new[] { Request("phone", 0), Request("phone", 1) };
        var reconnected = Request("phone", 2);
        var other = Request("watch", 0);
        foreach (var request in (TranscriptionRequest[])[.. departed, other, reconnected])
        {
            Assert.True(queue.TryEnqueue(request));
        }

        var withdrawn = queue.Withdraw(departed);

        Assert.Equal(departed, withdrawn);
        Assert.Equal(2, queue.Count);
        Assert.Same(reconnected, queue.TryDequeue()); // the client id kept its turn
        Assert.Same(other, queue.TryDequeue());
        Assert.Null(queue.TryDequeue());
    }

    [Fact]
    public void Withdraw_EqualButDistinctRequests_TakesOnlyTheSameOnes()
    {
        // Requests are records: two for the same samples are equal, yet only the one handed in is taken.
        var queue = new FairQueue(10);
        var mine = Request("phone", 0);
        var twin = Request("phone", 0);
        queue.TryEnqueue(mine);
        queue.TryEnqueue(twin);

        Assert.Same(mine, Assert.Single(queue.Withdraw([mine])));
        Assert.Same(twin, queue.TryDequeue());
    }

    private static TranscriptionRequest Request(string session, long n) =>
        new("conversation", "/tmp/conversation.wav", n * 16000, (n + 1) * 16000, TranscriptionRequest.SpeakerOf(session)) { Session = session };
}

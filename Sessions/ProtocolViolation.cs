using System.Net.WebSockets;

namespace FriendLite.Edge.Sessions;

/// <summary>A device broke the protocol: the session closes with <see cref="Status"/> and the message as reason.</summary>
internal sealed class ProtocolViolation : Exception
{
    public ProtocolViolation(WebSocketCloseStatus status, string reason)
        : base(reason)
    {
        Status = status;
    }

    public ProtocolViolation()
    {
    }

    public ProtocolViolation(string message)
        : base(message)
    {
    }

    public ProtocolViolation(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WebSocketCloseStatus Status { get; } = WebSocketCloseStatus.ProtocolError;
}

using System.Globalization;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>Stored memories and action items as the API shows them: ids as strings, an action item among memories as <c>action-&lt;n&gt;</c>.</summary>
internal static class MemoryViews
{
    /// <summary>The id prefix of an action item in memory search results: it can never be taken for a memory's number.</summary>
    public const string ActionItemPrefix = "action-";

    public static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    public static MemoryItem Memory(MemoryRow row, double? score = null) =>
        new(Id(row.Id), row.Text, new MemoryMetadata("memory", row.Source, row.ConversationId, row.ConversationId, row.Segments, row.UpdatedAt), row.CreatedAt, score, row.UserId);

    /// <summary>An action item as a memory search result: its description is the <c>memory</c>, its details the metadata.</summary>
    public static MemoryItem ActionItemAsMemory(ActionItemRow row, double score) =>
        new(ActionItemPrefix + Id(row.Id), row.Description,
            new ActionItemMetadata(row.Source, row.ConversationId, row.Segments, row.UpdatedAt, Id(row.Id), row.Status, row.Status == "completed",
                row.DueAt, row.Priority, row.Assignee, row.Context),
            row.CreatedAt, score, row.UserId);

    public static ActionItemResponse ActionItem(ActionItemRow row) =>
        new(Id(row.Id), row.UserId, row.Description, row.Assignee, row.DueAt, row.Priority, row.Context, row.Status, row.Status == "completed",
            row.CreatedAt, row.UpdatedAt, row.CompletedAt, row.ConversationId, row.Source, row.Segments);
}

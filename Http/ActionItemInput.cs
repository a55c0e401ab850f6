using System.Globalization;
using System.Text.Json;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>
/// Checks the fields of an action item request, each with one sentence when it is wrong (422).
/// <c>due_date</c> is ISO 8601 with an offset (<c>2025-03-07T10:00:00+01:00</c> or <c>...Z</c>) or
/// null. A time without an offset is refused rather than guessed: the server cannot know which
/// time zone the client meant, and a reminder an hour off is worse than a clear error. The
/// placeholders Friend-Lite's extractor wrote (<c>"not_specified"</c>, <c>""</c>) read as null.
/// </summary>
internal static class ActionItemInput
{
    public const int MaxDescription = 1000;
    public const int MaxAssignee = 200;
    public const int MaxContext = 2000;

    private static readonly string[] s_priorities = ["low", "medium", "high"];

    /// <summary>A new item made by the user (<c>source</c> "user"), or the reason it cannot be.</summary>
    public static NewActionItem ForCreate(ActionItemRequest request)
    {
        var (given, description) = Text(request.Description, "description", MaxDescription);
        if (!given || description is null)
        {
            throw new HttpError(422, "description is required: say what is to be done, e.g. {\"description\": \"buy oat milk\"}.");
        }

        return new NewActionItem(description, Due(request.DueDate).Value, Text(request.Assignee, "assignee", MaxAssignee).Value,
            Priority(request.Priority).Value, Text(request.Context, "context", MaxContext).Value, "user", [])
        {
            Status = Status(request).Value ?? "open",
        };
    }

    /// <summary>The item with the fields the request sent changed (PUT and PATCH alike: only what is sent changes).</summary>
    public static ActionItemRow Apply(ActionItemRow row, ActionItemRequest request)
    {
        var description = Text(request.Description, "description", MaxDescription);
        if (description.Given && description.Value is null)
        {
            throw new HttpError(422, "description cannot be empty: an action item says what is to be done.");
        }

        var assignee = Text(request.Assignee, "assignee", MaxAssignee);
        var due = Due(request.DueDate);
        var priority = Priority(request.Priority);
        var context = Text(request.Context, "context", MaxContext);
        var status = Status(request);
        if (!description.Given && !assignee.Given && !due.Given && !priority.Given && !context.Given && !status.Given)
        {
            throw new HttpError(422, "Nothing to change: send at least one of description, assignee, due_date, priority, context, status or completed.");
        }

        return row with
        {
            Description = description.Given ? description.Value! : row.Description,
            Assignee = assignee.Given ? assignee.Value : row.Assignee,
            DueAt = due.Given ? due.Value : row.DueAt,
            Priority = priority.Given ? priority.Value : row.Priority,
            Context = context.Given ? context.Value : row.Context,
            Status = status.Value ?? row.Status,
        };
    }

    /// <summary>An optional text: left out, null or blank (cleared), or trimmed text within <paramref name="max"/> characters.</summary>
    private static (bool Given, string? Value) Text(JsonElement value, string name, int max)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined:
                return (false, null);
            case JsonValueKind.Null:
                return (true, null);
            case JsonValueKind.String:
                var text = value.GetString()!.Trim();
                return text.Length <= max
                    ? (true, text.Length == 0 ? null : text)
                    : throw new HttpError(422, $"{name} has {text.Length} characters; it may have at most {max}.");
            default:
                throw new HttpError(422, $"{name} must be a string or null, not {Kind(value)}.");
        }
    }

    private static (bool Given, string? Value) Priority(JsonElement value)
    {
        var (given, text) = Text(value, "priority", 20);
        var priority = text?.ToLowerInvariant();
        return priority is null or "not_specified" ? (given, null)
            : s_priorities.Contains(priority) ? (true, priority)
            : throw new HttpError(422, $"priority must be low, medium or high (or null), not '{text}'.");
    }

    /// <summary><c>status</c> (open or completed) or Omi's <c>completed</c> (true or false); both may be sent when they agree.</summary>
    private static (bool Given, string? Value) Status(ActionItemRequest request)
    {
        string? status = null;
        if (request.Status.ValueKind != JsonValueKind.Undefined)
        {
            status = request.Status.ValueKind == JsonValueKind.String ? request.Status.GetString()!.Trim().ToLowerInvariant() : null;
            if (status is not ("open" or "completed"))
            {
                throw new HttpError(422, $"status must be open or completed, not {(request.Status.ValueKind == JsonValueKind.String ? $"'{request.Status.GetString()}'" : Kind(request.Status))}.");
            }
        }

        var fromCompleted = request.Completed switch { true => "completed", false => "open", null => null };
        if (status is not null && fromCompleted is not null && status != fromCompleted)
        {
            throw new HttpError(422, $"status '{status}' and completed {(request.Completed == true ? "true" : "false")} disagree: send one of them.");
        }

        var value = status ?? fromCompleted;
        return (value is not null, value);
    }

    private static (bool Given, DateTimeOffset? Value) Due(JsonElement value)
    {
        if (value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return (value.ValueKind == JsonValueKind.Null, null);
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString()!.Trim() : null;
        if (text is "" or "not_specified")
        {
            return (true, null);
        }

        // RoundtripKind leaves a time without an offset Unspecified: that is the one refused with its own sentence.
        if (text is null || text.Length < 11 || text[10] != 'T' || !DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
        {
            throw new HttpError(422, $"due_date must be an ISO 8601 date and time with an offset, such as 2025-03-07T10:00:00+01:00, or null; not {(text is null ? Kind(value) : $"'{text}'")}.");
        }

        if (parsed.Kind == DateTimeKind.Unspecified)
        {
            throw new HttpError(422, $"due_date '{text}' has no UTC offset: add the one it was meant in, such as {text}+01:00 or {text}Z.");
        }

        return (true, DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.None));
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        JsonValueKind.Null => "null",
        _ => "that",
    };
}

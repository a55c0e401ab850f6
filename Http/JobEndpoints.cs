using System.Globalization;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Jobs;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>
/// The durable jobs an administrator sees and acts on: <c>GET /api/jobs</c> (state, kind, attempts,
/// last error, conversation; <c>?state=</c>, <c>?kind=</c>, <c>?limit=</c>), and
/// <c>POST /api/jobs/{id}/retry</c> and <c>/cancel</c>. Admins only.
/// </summary>
internal static class JobEndpoints
{
    public static Router MapJobs(this Router router, JobStore jobs, Log log)
    {
        router.MapGet("/api/jobs", c => ListAsync(c, jobs), Access.Admin);
        router.MapPost("/api/jobs/{id}/retry", c => ChangeAsync(c, jobs, log, retry: true), Access.Admin);
        router.MapPost("/api/jobs/{id}/cancel", c => ChangeAsync(c, jobs, log, retry: false), Access.Admin);
        return router;
    }

    private static async Task ListAsync(RequestContext context, JobStore jobs)
    {
        var query = context.Request.QueryString;
        var state = query["state"];
        if (state is not null && !JobAnswers.States.Contains(state))
        {
            throw new HttpError(400, $"state must be one of {string.Join(", ", JobAnswers.States)}.");
        }

        var limit = 100;
        if (query["limit"] is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            throw new HttpError(400, "limit must be a whole number from 1 to 1000.");
        }

        var rows = await jobs.ListAsync(state, query["kind"], limit, context.CancellationToken);
        await context.WriteJsonAsync(200, new JobsResponse([.. rows.Select(JobResponse.From)]), HttpJsonContext.Default.JobsResponse);
    }

    private static async Task ChangeAsync(RequestContext context, JobStore jobs, Log log, bool retry)
    {
        if (!long.TryParse(context.Route("id"), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            throw new HttpError(404, "No such job.");
        }

        var change = retry ? await jobs.RetryAsync(id, context.CancellationToken) : await jobs.CancelAsync(id, context.CancellationToken);
        var job = await jobs.FindAsync(id, context.CancellationToken);
        if (JobAnswers.Refusal(change, id, job?.State, retry) is { } refusal)
        {
            throw new HttpError(change == JobChange.NotFound ? 404 : 409, refusal);
        }

        log.Info("jobs", retry ? "job retried by an administrator" : "job cancelled by an administrator", ("job", id), ("user", context.CurrentUser.Id));
        await context.WriteJsonAsync(200, JobResponse.From(job!), HttpJsonContext.Default.JobResponse);
    }
}

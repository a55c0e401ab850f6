using FriendLite.Edge.Accounts;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Sessions;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>
/// User management (admins) and the signed-in user's own record. Taking access away reaches the
/// user's live devices at once: deleting, deactivating or changing the password ends their sessions
/// (1008, conversations closed); deleting and deactivating also cancel their waiting jobs.
/// </summary>
internal static partial class UserEndpoints
{
    private static readonly TimeSpan s_sessionEndTimeout = TimeSpan.FromSeconds(10);

    public static Router MapUsers(this Router router, AccountService accounts, SessionRegistry sessions, JobStore jobs, Log log)
    {
        router.MapGet("/api/users", context => ListAsync(context, accounts), Access.Admin);
        router.MapPost("/api/users", context => CreateAsync(context, accounts, log), Access.Admin);
        router.MapDelete("/api/users/{id}", context => DeleteAsync(context, accounts, sessions, jobs, log), Access.Admin);
        router.Map("PATCH", "/api/users/{id}", context => PatchUserAsync(context, accounts, sessions, jobs, log), Access.Admin);
        router.Map("PUT", "/api/users/{id}", context => PutUserAsync(context, accounts, sessions, jobs, log), Access.Admin); // Friend-Lite's web page
        router.Map("PATCH", "/users/me", context => PatchMeAsync(context, accounts, sessions, jobs, log));
        router.Map("PATCH", "/api/me", context => PatchMeAsync(context, accounts, sessions, jobs, log));
        router.MapGet("/api/users/{id}", context => GetAsync(context, accounts));
        router.MapGet("/api/me", WriteMeAsync);
        router.MapGet("/users/me", WriteMeAsync); // fastapi-users' path, which Friend-Lite's clients use
        return router;
    }

    private static Task WriteMeAsync(RequestContext context) =>
        context.WriteJsonAsync(200, UserResponse.From(context.CurrentUser), HttpJsonContext.Default.UserResponse);

    private static async Task ListAsync(RequestContext context, AccountService accounts)
    {
        var users = await accounts.Users.ListAsync(context.CancellationToken);
        await context.WriteJsonAsync(200, users.Select(UserResponse.From).ToList(), HttpJsonContext.Default.IReadOnlyListUserResponse);
    }

    private static async Task GetAsync(RequestContext context, AccountService accounts)
    {
        var user = await accounts.Users.FindByIdAsync(context.Route("id"), context.CancellationToken);
        // Another user's record answers exactly like a missing one: ids are not confirmed to strangers.
        if (user is null || !AccessPolicy.CanSee(context.CurrentUser, user.Id))
        {
            throw new HttpError(404, "No such user.");
        }

        await context.WriteJsonAsync(200, UserResponse.From(user), HttpJsonContext.Default.UserResponse);
    }

    private static async Task CreateAsync(RequestContext context, AccountService accounts, Log log)
    {
        var request = await RequestBody.ReadJsonAsync(context, HttpJsonContext.Default.CreateUserRequest);
        var isAdmin = request.IsAdmin ?? request.IsSuperuser ?? false;
        var (user, error) = await AuthEndpoints.HashingAsync(accounts.CreateAsync(request.Email, request.Password, request.DisplayName, isAdmin, context.CancellationToken), context, log);
        if (user is null)
        {
            throw new HttpError(error!.Contains("already exists", StringComparison.Ordinal) ? 409 : 400, error);
        }

        if (request.IsActive == false)
        {
            await accounts.Users.SetActiveAsync(user.Id, false, context.CancellationToken); // a new account has no devices or jobs to end yet
        }

        log.Info("auth", "user created", ("user", user.Id), ("admin", user.IsAdmin), ("active", request.IsActive != false), ("by", context.CurrentUser.Id));
        await context.WriteJsonAsync(201, new UserChangedResponse($"User {user.Email} created successfully", user.Id, user.Email), HttpJsonContext.Default.UserChangedResponse);
    }

    private static async Task DeleteAsync(RequestContext context, AccountService accounts, SessionRegistry sessions, JobStore jobs, Log log)
    {
        var id = context.Route("id");
        if (id == context.CurrentUser.Id)
        {
            throw new HttpError(400, "An administrator cannot delete their own account.");
        }

        // Friend-Lite's web page asks with delete_conversations and delete_memories; here they go together.
        var deleteData = Flag(context, "delete_data") | Flag(context, "delete_conversations") | Flag(context, "delete_memories");
        // Their devices first: a session left recording would write into a deleted WAV and a deleted row.
        if (!await sessions.EndUserSessionsAsync(id, "the account was deleted", s_sessionEndTimeout, context.CancellationToken))
        {
            log.Warn("auth", "a session of the user being deleted did not end within 10 s", ("user", id));
        }

        var deletion = await accounts.DeleteUserAsync(id, deleteData, context.CancellationToken) ?? throw new HttpError(404, "No such user.");
        foreach (var problem in deletion.Problems)
        {
            log.Warn("auth", "audio of a deleted user was left behind", ("user", id), ("reason", problem));
        }

        // After its sessions ended, so the speech they left as jobs is cancelled too (with its data, it is gone already).
        var cancelled = await jobs.CancelWaitingForUserAsync(id, context.CancellationToken);
        log.Info("auth", "user deleted", ("user", id), ("data_deleted", deleteData), ("audio_files_removed", deletion.AudioFilesRemoved), ("jobs_cancelled", cancelled), ("by", context.CurrentUser.Id));
        var message = deleteData ? $"User {id} deleted successfully along with their data" : $"User {id} deleted successfully; their data is kept";
        await context.WriteJsonAsync(200, new UserDeletedResponse(message, new DeletedData(true, deleteData, deletion.AudioFilesRemoved)), HttpJsonContext.Default.UserDeletedResponse);
    }

    /// <summary>A true/false query parameter, read as leniently as a boolean in a body; absent is false.</summary>
    private static bool Flag(RequestContext context, string name) =>
        context.Request.QueryString[name] is not { Length: > 0 } text
            ? false
            : LenientBooleanConverter.Parse(text) ?? throw new HttpError(400, $"{name} must be true or false, not '{text}'.");
}

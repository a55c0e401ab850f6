using FriendLite.Edge.Accounts;
using FriendLite.Edge.Diagnostics;
using FriendLite.Edge.Sessions;
using FriendLite.Edge.Storage;

namespace FriendLite.Edge.Http;

/// <summary>
/// PATCH of a user (fastapi-users' fields), and Friend-Lite's PUT, which changes the same fields
/// (only those sent) and answers in its own shape: a password change revokes earlier tokens,
/// deactivation suspends the account.
/// </summary>
internal static partial class UserEndpoints
{
    private static async Task PatchUserAsync(RequestContext context, AccountService accounts, SessionRegistry sessions, JobStore jobs, Log log)
    {
        var updated = await UpdateUserAsync(context, accounts, sessions, jobs, log);
        await context.WriteJsonAsync(200, UserResponse.From(updated), HttpJsonContext.Default.UserResponse);
    }

    private static async Task PutUserAsync(RequestContext context, AccountService accounts, SessionRegistry sessions, JobStore jobs, Log log)
    {
        var updated = await UpdateUserAsync(context, accounts, sessions, jobs, log);
        await context.WriteJsonAsync(200, new UserChangedResponse($"User {updated.Email} updated successfully", updated.Id, updated.Email), HttpJsonContext.Default.UserChangedResponse);
    }

    private static async Task<User> UpdateUserAsync(RequestContext context, AccountService accounts, SessionRegistry sessions, JobStore jobs, Log log)
    {
        var request = await RequestBody.ReadJsonAsync(context, HttpJsonContext.Default.UpdateUserRequest);
        var user = await accounts.Users.FindByIdAsync(context.Route("id"), context.CancellationToken) ?? throw new HttpError(404, "No such user.");
        var admin = request.IsAdmin ?? request.IsSuperuser;
        if (user.Id == context.CurrentUser.Id && (request.IsActive == false || admin == false))
        {
            throw new HttpError(400, "An administrator cannot deactivate their own account or take away their own admin rights.");
        }

        return await UpdateAsync(context, accounts, sessions, jobs, log, user, request, admin);
    }

    /// <summary>The signed-in user's own record: the password and display name; the flags only an administrator may change.</summary>
    private static async Task PatchMeAsync(RequestContext context, AccountService accounts, SessionRegistry sessions, JobStore jobs, Log log)
    {
        var request = await RequestBody.ReadJsonAsync(context, HttpJsonContext.Default.UpdateUserRequest);
        var user = context.CurrentUser;
        var admin = request.IsAdmin ?? request.IsSuperuser;
        // A client that sends its whole record back unchanged is fine; changing the flags is not its to do.
        if ((request.IsActive is { } active && active != user.IsActive) || (admin is { } isAdmin && isAdmin != user.IsAdmin))
        {
            throw new HttpError(403, "Only an administrator can change is_active or is_superuser (use PATCH /api/users/{id}).");
        }

        var updated = await UpdateAsync(context, accounts, sessions, jobs, log, user, request with { IsActive = null }, admin: null);
        await context.WriteJsonAsync(200, UserResponse.From(updated), HttpJsonContext.Default.UserResponse);
    }

    private static async Task<User> UpdateAsync(
        RequestContext context, AccountService accounts, SessionRegistry sessions, JobStore jobs, Log log, User user, UpdateUserRequest request, bool? admin)
    {
        var cancellationToken = context.CancellationToken;
        // Everything is checked before anything changes: a refused request changes nothing.
        if (request.Password is { } password && PasswordHasher.Check(password) is { } weak)
        {
            throw new HttpError(400, weak);
        }

        if (request.DisplayName is { Length: > 200 })
        {
            throw new HttpError(400, "The display name must have at most 200 characters.");
        }

        var email = request.Email?.Trim();
        if (email is not null && AccountService.CheckEmail(email) is { } badEmail)
        {
            throw new HttpError(400, badEmail);
        }

        var newEmail = email is not null && !string.Equals(email, user.Email, StringComparison.Ordinal) ? email : null;
        if (newEmail is not null && await accounts.Users.FindByEmailAsync(newEmail, cancellationToken) is { } holder && holder.Id != user.Id)
        {
            throw new HttpError(409, $"A user with the email {newEmail} already exists.");
        }

        // The password first: its hash may be refused (503, the hashing gate is full), and then nothing has changed.
        if (request.Password is not null && await AuthEndpoints.HashingAsync(accounts.ChangePasswordAsync(user, request.Password, cancellationToken), context, log) is { } problem)
        {
            throw new HttpError(404, problem); // the only other refusal: the user was deleted meanwhile
        }

        // Checked above; refused here only when another request took the email meanwhile.
        if (newEmail is not null && !await accounts.Users.SetEmailAsync(user.Id, newEmail, cancellationToken))
        {
            throw new HttpError(409, $"A user with the email {newEmail} already exists.");
        }

        if (request.DisplayName is { } name)
        {
            await accounts.Users.SetDisplayNameAsync(user.Id, string.IsNullOrWhiteSpace(name) ? null : name.Trim(), cancellationToken);
        }

        if (admin is { } isAdmin && isAdmin != user.IsAdmin)
        {
            await accounts.Users.SetAdminAsync(user.Id, isAdmin, cancellationToken);
        }

        if (request.IsActive is { } active && active != user.IsActive)
        {
            await accounts.Users.SetActiveAsync(user.Id, active, cancellationToken);
        }

        // The row changes first, so a device reconnecting meanwhile is refused; then the live ones end.
        if (request.IsActive == false && user.IsActive)
        {
            await EndSessionsAsync(sessions, log, user.Id, "the account was deactivated", null, cancellationToken);
            var cancelled = await jobs.CancelWaitingForUserAsync(user.Id, cancellationToken);
            log.Info("auth", "user deactivated", ("user", user.Id), ("jobs_cancelled", cancelled), ("by", context.CurrentUser.Id));
        }
        else if (request.Password is not null)
        {
            await EndSessionsAsync(sessions, log, user.Id, "the account's password was changed", e => e.TokenVersion <= user.TokenVersion, cancellationToken);
            log.Info("auth", "password changed; earlier tokens revoked", ("user", user.Id), ("by", context.CurrentUser.Id));
        }

        return await accounts.Users.FindByIdAsync(user.Id, cancellationToken) ?? throw new HttpError(404, "No such user.");
    }

    private static async Task EndSessionsAsync(SessionRegistry sessions, Log log, string userId, string reason, Func<SessionEntry, bool>? only, CancellationToken cancellationToken)
    {
        if (!await sessions.EndUserSessionsAsync(userId, reason, s_sessionEndTimeout, cancellationToken, only))
        {
            log.Warn("auth", "a session of the user did not end within 10 s", ("user", userId), ("reason", reason));
        }
    }
}

using FriendLite.Edge.Cli;
using FriendLite.Edge.Diagnostics;

namespace FriendLite.Edge.Accounts;

/// <summary>
/// Makes sure a fresh install can be administered: when no admin exists, creates the one given by
/// ADMIN_EMAIL/ADMIN_PASSWORD or --admin-email/--admin-password-file, or logs how to create one.
/// </summary>
internal static class AdminBootstrap
{
    public static async Task RunAsync(AccountService accounts, AdminAccount? admin, string dataDirectory, Log log, CancellationToken cancellationToken)
    {
        if (await accounts.Users.AnyAdminAsync(cancellationToken))
        {
            return;
        }

        if (admin is null)
        {
            // The command names this server's data directory: run as printed, it must create the admin where this server looks.
            var where = Shell.Word(dataDirectory);
            log.Warn("auth", $"no administrator exists yet: create one with 'friendlite-edge user add --email you@example.com --admin --data-dir {where}', or start with ADMIN_EMAIL and ADMIN_PASSWORD set");
            return;
        }

        var existing = await accounts.Users.FindByEmailAsync(admin.Email, cancellationToken);
        if (existing is not null)
        {
            log.Error("auth", $"ADMIN_EMAIL names an existing user who is not an administrator; it was left unchanged: make it one with 'friendlite-edge user add' for another email, or delete it first", ("email", admin.Email));
            return;
        }

        var (user, error) = await accounts.CreateAsync(admin.Email, admin.Password, displayName: null, isAdmin: true, cancellationToken);
        if (user is null)
        {
            log.Error("auth", $"cannot create the administrator from ADMIN_EMAIL/ADMIN_PASSWORD: {error}", ("email", admin.Email));
            return;
        }

        log.Info("auth", "administrator created", ("user", user.Id), ("email", user.Email));
    }
}

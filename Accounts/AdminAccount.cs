namespace FriendLite.Edge.Accounts;

/// <summary>The administrator to create at start when there is none (<c>--admin-email</c> and its password).</summary>
internal sealed record AdminAccount(string Email, string Password)
{
    public override string ToString() => $"AdminAccount {{ Email = {Email} }}"; // never print the password
}

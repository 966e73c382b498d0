using Duragent.Configuration;

namespace Duragent.Integration.Tests.Http;

/// <summary>
/// The bearer tokens the client sends: <c>DURAGENT_API_TOKEN</c> / <c>DURAGENT_ADMIN_TOKEN</c> first, then
/// <c>server.api_token</c> / <c>server.admin_token</c> from <c>duragent.yaml</c>, then the token the server generated in
/// the workspace's runtime folder (<see cref="TokenFile"/>, read at every request: a restarted server has a new one).
/// Admin routes without an admin token take the API token. <see cref="ToString"/> never shows them.
/// </summary>
internal sealed record HttpCredentials(string? ConfiguredApiToken, string? ConfiguredAdminToken, string? TokenFile = null)
{
    public const string ApiTokenVariable = "DURAGENT_API_TOKEN";
    public const string AdminTokenVariable = "DURAGENT_ADMIN_TOKEN";

    public static HttpCredentials None { get; } = new(null, null);

    /// <summary>The token for <c>/api/v1</c>.</summary>
    public string? ApiToken => ConfiguredApiToken ?? (TokenFile is null ? null : Duragent.Security.ApiTokenStore.Read(TokenFile));

    /// <summary>The token for <c>/api/admin</c>.</summary>
    public string? AdminToken => ConfiguredAdminToken ?? ApiToken;

    public static HttpCredentials Resolve(DuragentConfig? config, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return new HttpCredentials(
            NullIfEmpty(environment(ApiTokenVariable)) ?? NullIfEmpty(config?.Server.ApiToken),
            NullIfEmpty(environment(AdminTokenVariable)) ?? NullIfEmpty(config?.Server.AdminToken),
            config is null ? null : new DuragentWorkspace(config).ApiTokenFile);
    }

    public override string ToString() =>
        $"HttpCredentials {{ ApiToken = {(ConfiguredApiToken is null ? "(none)" : "***")}, AdminToken = {(ConfiguredAdminToken is null ? "(none)" : "***")}, TokenFile = {TokenFile ?? "(none)"} }}";

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

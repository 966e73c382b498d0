using Duragent.Configuration;

namespace Duragent.Integration.Tests.Http;

/// <summary>
/// The bearer tokens the client sends: <c>DURAGENT_API_TOKEN</c> / <c>DURAGENT_ADMIN_TOKEN</c> first, then
/// <c>server.api_token</c> / <c>server.admin_token</c> from <c>duragent.yaml</c>. <see cref="ToString"/> never
/// shows them.
/// </summary>
internal sealed record HttpCredentials(string? ApiToken, string? AdminToken)
{
    public const string ApiTokenVariable = "DURAGENT_API_TOKEN";
    public const string AdminTokenVariable = "DURAGENT_ADMIN_TOKEN";

    public static HttpCredentials None { get; } = new(null, null);

    public static HttpCredentials Resolve(DuragentConfig? config, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return new HttpCredentials(
            NullIfEmpty(environment(ApiTokenVariable)) ?? NullIfEmpty(config?.Server.ApiToken),
            NullIfEmpty(environment(AdminTokenVariable)) ?? NullIfEmpty(config?.Server.AdminToken));
    }

    public override string ToString() =>
        $"HttpCredentials {{ ApiToken = {(ApiToken is null ? "(none)" : "***")}, AdminToken = {(AdminToken is null ? "(none)" : "***")} }}";

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

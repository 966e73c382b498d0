using System.Text.Json.Serialization;

namespace Duragent.Cli.Client;

/// <summary>Source-generated JSON metadata of what the CLI reads over HTTP (snake_case, like the API).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(HealthStatus))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

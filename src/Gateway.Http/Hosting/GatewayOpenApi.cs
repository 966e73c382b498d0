using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Duragent.Gateway.Http.Hosting;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>: every endpoint with its request and response schemas (snake_case,
/// from the same source-generated metadata the endpoints use), the problem+json errors, and the bearer scheme on
/// <c>/api</c> routes. Generated on first request, never at start-up.
/// </summary>
internal static class GatewayOpenApi
{
    /// <summary>The document name: <c>v1</c> (served at <c>/openapi/v1.json</c>).</summary>
    public const string DocumentName = "v1";

    /// <summary>The route of the document.</summary>
    public const string Route = "/openapi/{documentName}.json";

    private const string BearerScheme = "bearer";

    // Query parameters are bound as strings (so that bad values get a 400 naming them); these are their real types.
    private static readonly Dictionary<string, (JsonSchemaType Type, string? Format, string Description)> QueryParameters = new(StringComparer.Ordinal)
    {
        ["limit"] = (JsonSchemaType.Integer, "int32", "Page size."),
        ["before"] = (JsonSchemaType.Integer, "int64", "Only messages with a smaller seq (newest-first paging cursor)."),
        ["after"] = (JsonSchemaType.Integer, "int64", "Only items with a larger seq (oldest-first paging cursor)."),
        ["include_tools"] = (JsonSchemaType.Boolean, null, "Include tool results and tool-call-only assistant messages (false by default)."),
        ["wait"] = (JsonSchemaType.Boolean, null, "Wait for the turn to settle and return its result (false by default)."),
        ["attach"] = (JsonSchemaType.Boolean, null, "Count as an attached client, so that on_disconnect applies when this stream goes away (true by default)."),
        ["last_event_id"] = (JsonSchemaType.Integer, "int64", "Resume after this seq (exclusive); the Last-Event-ID header wins when both are sent."),
        ["order"] = (JsonSchemaType.String, null, "oldest (default) or newest."),
        ["status"] = (JsonSchemaType.String, null, "Only sessions with this status (active, running, awaiting_approval, paused, completed, failed)."),
        ["agent"] = (JsonSchemaType.String, null, "Only sessions of this agent."),
    };

    public static IServiceCollection AddGatewayOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Duragent HTTP API",
                    Version = DuragentVersion.Version,
                    Description = "Sessions, agents, Server-Sent Events and admin endpoints of a Duragent server. Errors are application/problem+json with a stable 'code'. See docs/api.md.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "server.api_token for /api/v1, server.admin_token for /api/admin/v1. Without a configured token only loopback callers are served.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                DescribeQueryParameters(operation);
                if (operation.OperationId == "StreamSessionEvents")
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = "Last-Event-ID",
                        In = ParameterLocation.Header,
                        Description = "Resume after this seq (exclusive), as browsers send it on reconnect.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
                    });
                }

                var path = context.Description.RelativePath ?? string.Empty;
                if (path.StartsWith("api/", StringComparison.Ordinal))
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [],
                    });
                }

                return Task.CompletedTask;
            });
        });

    private static void DescribeQueryParameters(OpenApiOperation operation)
    {
        if (operation.Parameters is null)
        {
            return;
        }

        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>())
        {
            if (parameter.In == ParameterLocation.Query && parameter.Name is { } name && QueryParameters.TryGetValue(name, out var known))
            {
                parameter.Schema = new OpenApiSchema { Type = known.Type, Format = known.Format };
                parameter.Description ??= known.Description;
            }
        }
    }
}

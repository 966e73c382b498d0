using System.Reflection;
using System.Text.Json;
using Duragent.Gateway.Http.Json;
using Duragent.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace Duragent.Gateway.Http.Endpoints;

/// <summary>
/// The body of <c>GET …/events</c> (<see cref="SessionEventsPage"/>), written with each stored event copied verbatim
/// instead of being parsed and serialized again.
/// </summary>
public sealed class EventsPageResult(IReadOnlyList<StoredEvent> events, long nextAfter, bool hasMore)
    : IResult, IStatusCodeHttpResult, IEndpointMetadataProvider
{
    private const int FlushEvery = 100;

    /// <summary>The events of the page, in seq order.</summary>
    public IReadOnlyList<StoredEvent> Events => events;

    /// <summary>The seq to pass as <c>after</c> for the next page.</summary>
    public long NextAfter => nextAfter;

    /// <summary>True when more events follow.</summary>
    public bool HasMore => hasMore;

    int? IStatusCodeHttpResult.StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        await using (var writer = new Utf8JsonWriter(httpContext.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("events"u8);
            for (var i = 0; i < events.Count; i++)
            {
                writer.WriteRawValue(EventJson.WithoutFraming(events[i].Json).Span, skipInputValidation: true);
                if (i % FlushEvery == FlushEvery - 1)
                {
                    // Hand long pages to the client in pieces instead of holding them whole in the pipe.
                    await writer.FlushAsync(httpContext.RequestAborted);
                    await httpContext.Response.BodyWriter.FlushAsync(httpContext.RequestAborted);
                }
            }

            writer.WriteEndArray();
            writer.WriteNumber("next_after"u8, nextAfter);
            writer.WriteBoolean("has_more"u8, hasMore);
            writer.WriteEndObject();
        }

        await httpContext.Response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(SessionEventsPage), ["application/json"]));
    }
}

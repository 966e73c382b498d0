using System.Net.ServerSentEvents;
using System.Text.Json;
using Xunit.Sdk;

namespace Duragent.Gateway.Http.Tests;

/// <summary>
/// One SSE connection read with the BCL's parser (<see cref="SseParser"/>, not ours). Disposing it closes the TCP
/// connection, which the server sees as the client going away.
/// </summary>
internal sealed class SseClient : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _cancel = new();
    private readonly IAsyncEnumerator<SseItem<string>> _items;
    private Task<bool>? _pending;

    private SseClient(HttpClient client, HttpResponseMessage response, Stream stream)
    {
        _client = client;
        _response = response;
        _items = SseParser.Create(stream).EnumerateAsync(_cancel.Token).GetAsyncEnumerator(_cancel.Token);
    }

    public HttpResponseMessage Response => _response;

    /// <summary>Every event received so far.</summary>
    public List<SseItem<string>> Received { get; } = [];

    /// <summary>Opens <c>…/stream</c>; <paramref name="lastEventId"/> goes in the <c>Last-Event-ID</c> header.</summary>
    public static Task<SseClient> OpenAsync(GatewayKit kit, string sessionId, string query = "", long? lastEventId = null, string? token = null) =>
        OpenAsync(kit.NewClient(token), sessionId, query, lastEventId);

    /// <summary>Opens <c>…/stream</c> with <paramref name="client"/> (relative to its base address), which the SSE client then owns.</summary>
    public static async Task<SseClient> OpenAsync(HttpClient client, string sessionId, string query = "", long? lastEventId = null)
    {
        client.Timeout = Timeout.InfiniteTimeSpan;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/sessions/{sessionId}/stream{query}");
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await Http.ExpectAsync(response, 200);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return new SseClient(client, response, await response.Content.ReadAsStreamAsync());
    }

    /// <summary>The next event; throws when the stream ends or nothing arrives in time (<see cref="GatewayKit.Wait"/> unless <paramref name="wait"/> says otherwise).</summary>
    public async Task<SseItem<string>> NextAsync(string what, TimeSpan? wait = null)
    {
        var next = await MoveNextAsync(what, wait ?? GatewayKit.Wait);
        return next ?? throw new XunitException($"The stream ended while waiting for {what}; received: {Describe()}");
    }

    /// <summary>Reads until an event of <paramref name="type"/> (inclusive).</summary>
    public async Task<SseItem<string>> ReadUntilAsync(string type, Func<JsonElement, bool>? match = null, TimeSpan? wait = null)
    {
        while (true)
        {
            var item = await NextAsync($"a '{type}' event", wait);
            if (item.EventType == type && (match is null || match(JsonDocument.Parse(item.Data).RootElement)))
            {
                return item;
            }
        }
    }

    /// <summary>Reads to the end of the stream (it must end in time).</summary>
    public async Task ReadToEndAsync(string what)
    {
        while (await MoveNextAsync(what, GatewayKit.Wait) is not null)
        {
        }
    }

    public long LastId => long.Parse(Received[^1].EventId!, System.Globalization.CultureInfo.InvariantCulture);

    public string Describe() => string.Join(", ", Received.Select(r => $"{r.EventId}:{r.EventType}"));

    private async Task<SseItem<string>?> MoveNextAsync(string what, TimeSpan wait)
    {
        var move = _pending ??= _items.MoveNextAsync().AsTask();
        try
        {
            if (!await move.WaitAsync(wait))
            {
                return null;
            }
        }
        catch (TimeoutException)
        {
            // The read stays pending: a later call waits on it again, and disposal waits for it to fail.
            throw new TimeoutException($"No SSE event within {wait.TotalSeconds} s while waiting for {what}; received: {Describe()}");
        }
        catch (IOException)
        {
            // The server closed the connection (stopping).
            _pending = null;
            return null;
        }

        _pending = null;

        Received.Add(_items.Current);
        return _items.Current;
    }

    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync();
        _response.Dispose();
        _client.Dispose();
        try
        {
            if (_pending is not null)
            {
                await _pending;
            }

            await _items.DisposeAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is gone, as intended.
        }

        _cancel.Dispose();
    }
}

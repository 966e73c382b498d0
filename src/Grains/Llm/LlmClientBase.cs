using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Duragent.Llm;

/// <summary>
/// The transport shared by both wire formats: one POST per attempt, retries before the first byte of a successful
/// response, the three timeouts, SSE reading, and the mapping of every failure to one typed
/// <see cref="LlmException"/>. Subclasses write the request body and decode the provider's events.
/// This file reads as one story (a call from send to completion), hence its length.
/// </summary>
internal abstract partial class LlmClientBase : ILlmClient
{
    private const int MaxErrorBodyBytes = 64 * 1024;

    private readonly HttpClient _http;
    private readonly LlmOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    protected LlmClientBase(LlmEndpoint endpoint, HttpClient http, LlmOptions options, TimeProvider time, ILogger logger)
    {
        Endpoint = endpoint;
        _http = http;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public string Provider => Endpoint.Provider;

    protected LlmEndpoint Endpoint { get; }

    /// <summary>The URL every request of this client is posted to.</summary>
    protected abstract Uri RequestUri { get; }

    public override string ToString() => $"{GetType().Name}({Endpoint})";

    public async IAsyncEnumerable<LlmStreamEvent> StreamAsync(
        LlmRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Messages);
        cancellationToken.ThrowIfCancellationRequested();

        var body = WriteBody(request);
        var started = _time.GetTimestamp();
        using var timers = new LlmCallTimers(cancellationToken, Endpoint.Timeout, Endpoint.IdleTimeout, _time);
        var (response, attempts) = await SendWithRetriesAsync(body, ModelOf(request), timers);
        using var responseScope = response;
        var decoder = CreateDecoder();

        Stream stream;
        timers.StartIdle();
        try
        {
            stream = await response.Content.ReadAsStreamAsync(timers.Token);
        }
        catch (OperationCanceledException ex) when (timers.CallerCancelled)
        {
            throw timers.CallerCancellation(ex);
        }
        catch (Exception ex) when (!timers.CallerCancelled)
        {
            throw StreamFailure(ex, timers, decoder, attempts);
        }
        finally
        {
            timers.StopIdle();
        }

        await using var streamScope = stream;
        var items = SseParser.Create(stream).EnumerateAsync(timers.Token).GetAsyncEnumerator(timers.Token);
        try
        {
            while (true)
            {
                bool more;
                timers.StartIdle();
                try
                {
                    more = await items.MoveNextAsync();
                }
                catch (OperationCanceledException ex) when (timers.CallerCancelled)
                {
                    throw timers.CallerCancellation(ex);
                }
                catch (Exception ex) when (!timers.CallerCancelled)
                {
                    // A finished model whose connection then drops (or goes quiet before [DONE]) has said everything.
                    if (decoder.HasFinished)
                    {
                        break;
                    }

                    throw StreamFailure(ex, timers, decoder, attempts);
                }
                finally
                {
                    timers.StopIdle();
                }

                if (!more)
                {
                    break;
                }

                LlmTextDelta? delta;
                try
                {
                    delta = decoder.Process(items.Current);
                }
                catch (System.Text.Json.JsonException ex)
                {
                    throw new LlmStreamBrokenException(
                        $"{Describe()} sent a malformed stream chunk after {decoder.Chunks} chunks: {ex.Message}", ex)
                    {
                        Provider = Provider,
                        PartialText = decoder.Text,
                        Attempts = attempts,
                    };
                }

                if (delta is not null)
                {
                    yield return delta;
                }

                if (decoder.IsTerminated)
                {
                    break;
                }
            }
        }
        finally
        {
            await items.DisposeAsync();
        }

        if (!decoder.HasFinished && !decoder.IsTerminated)
        {
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var notSse = mediaType is not null && !mediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase)
                ? $"; the response was {mediaType}, not text/event-stream"
                : string.Empty;
            throw new LlmStreamBrokenException(
                $"{Describe()} ended its stream after {decoder.Chunks} chunks without saying it had finished " +
                $"({decoder.Text.Length} characters of text so far){notSse}")
            {
                Provider = Provider,
                PartialText = decoder.Text,
                Attempts = attempts,
            };
        }

        var completed = decoder.Complete();
        LogDebugCallCompleted(
            Provider,
            ModelOf(request),
            (long)_time.GetElapsedTime(started).TotalMilliseconds,
            completed.Usage?.InputTokens ?? 0,
            completed.Usage?.OutputTokens ?? 0,
            completed.ToolCalls.Count);
        yield return completed;
    }

    /// <summary>The JSON request body (UTF-8) for <paramref name="request"/>; always a streaming request.</summary>
    protected abstract byte[] WriteBody(LlmRequest request);

    /// <summary>Adds the provider's authentication and version headers.</summary>
    protected abstract void AddHeaders(HttpRequestHeaders headers);

    /// <summary>A fresh decoder for one call.</summary>
    protected abstract IStreamDecoder CreateDecoder();

    /// <summary>The model a request goes to: its own, else the client's configured one.</summary>
    protected string ModelOf(LlmRequest request) => request.Model is { Length: > 0 } model ? model : Endpoint.Model;

    private string Describe() => Endpoint.Provider;

    private async Task<(HttpResponseMessage Response, int Attempts)> SendWithRetriesAsync(byte[] body, string model, LlmCallTimers timers)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (response, failure, retryAfter) = await AttemptAsync(body, model, timers, attempt);
            if (response is not null)
            {
                return (response, attempt);
            }

            if (!failure!.IsTransient || attempt >= _options.MaxAttempts)
            {
                throw attempt > 1 ? WithGaveUp(failure, attempt) : failure;
            }

            var delay = RetryDelay.Compute(
                attempt, retryAfter, _options.RetryBaseDelay, _options.MaxRetryDelay, Random.Shared.NextDouble());
            LogWarningRetrying(Provider, Endpoint.BaseUri, LlmErrorKind.Of(failure), attempt, _options.MaxAttempts, (long)delay.TotalMilliseconds, failure.Message);
            LogDebugRetryFailure(failure, Provider, attempt);
            try
            {
                await Task.Delay(delay, _time, timers.Token);
            }
            catch (OperationCanceledException ex) when (timers.CallerCancelled)
            {
                throw timers.CallerCancellation(ex);
            }
            catch (OperationCanceledException ex)
            {
                throw TimeoutFailure(timers, ex, string.Empty, attempt, $"while waiting to retry after: {failure.Message}");
            }
        }
    }

    /// <summary>One POST: the successful response, or the failure to retry or throw (timeouts other than connect are thrown).</summary>
    private async Task<(HttpResponseMessage? Response, LlmException? Failure, TimeSpan? RetryAfter)> AttemptAsync(
        byte[] body, string model, LlmCallTimers timers, int attempt)
    {
        using var message = CreateMessage(body);
        HttpResponseMessage response;
        timers.StartIdle();
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timers.Token);
        }
        catch (OperationCanceledException ex) when (timers.CallerCancelled)
        {
            throw timers.CallerCancellation(ex);
        }
        catch (Exception ex) when (!timers.CallerCancelled)
        {
            var failure = SendFailure(ex, timers, attempt);
            if (failure is LlmTimeoutException { Kind: not LlmTimeoutKind.Connect })
            {
                throw failure;
            }

            return (null, failure, null);
        }
        finally
        {
            timers.StopIdle();
        }

        if (response.IsSuccessStatusCode)
        {
            return (response, null, null);
        }

        using (response)
        {
            var retryAfter = RetryDelay.Parse(response.Headers, _time.GetUtcNow());
            return (null, await ReadErrorAsync(response, model, retryAfter, timers, attempt), retryAfter);
        }
    }

    private HttpRequestMessage CreateMessage(byte[] body)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, RequestUri)
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version11,
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        AddHeaders(message.Headers);
        foreach (var (name, value) in Endpoint.ExtraHeaders)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    private LlmException SendFailure(Exception ex, LlmCallTimers timers, int attempt)
    {
        if (ex is OperationCanceledException oce)
        {
            if (timers.Reason is LlmCallTimers.CancelReason.Total or LlmCallTimers.CancelReason.Idle)
            {
                return TimeoutFailure(timers, oce, string.Empty, attempt, "before the response headers arrived");
            }

            // SocketsHttpHandler reports its ConnectTimeout as a cancellation wrapping a TimeoutException.
            return new LlmTimeoutException(
                $"connecting to {Describe()} at {Endpoint.BaseUri} timed out after {Seconds(_options.ConnectTimeout)}",
                LlmTimeoutKind.Connect,
                _options.ConnectTimeout,
                ex)
            {
                Provider = Provider,
                Attempts = attempt,
            };
        }

        var reason = ex is HttpRequestException { InnerException: { } inner } ? inner.Message : ex.Message;
        return new LlmConnectionException($"could not reach {Describe()} at {Endpoint.BaseUri}: {reason}", ex)
        {
            Provider = Provider,
            Attempts = attempt,
        };
    }

    private async Task<LlmException> ReadErrorAsync(
        HttpResponseMessage response, string model, TimeSpan? retryAfter, LlmCallTimers timers, int attempt)
    {
        string body;
        timers.StartIdle();
        try
        {
            body = await ReadLimitedAsync(response.Content, timers.Token);
        }
        catch (Exception ex) when (!timers.CallerCancelled && ex is not OperationCanceledException)
        {
            body = string.Empty;
        }
        catch (OperationCanceledException ex) when (timers.CallerCancelled)
        {
            throw timers.CallerCancellation(ex);
        }
        catch (OperationCanceledException ex)
        {
            return TimeoutFailure(timers, ex, string.Empty, attempt, $"while reading an HTTP {(int)response.StatusCode} error body");
        }
        finally
        {
            timers.StopIdle();
        }

        var (providerMessage, errorType) = ProviderErrorBody.Parse(body);
        var status = (int)response.StatusCode;
        var detail = providerMessage is null ? string.Empty : $": {providerMessage}";
        if (status == 429)
        {
            var wait = retryAfter is { } r ? $", retry after {Seconds(r)}" : string.Empty;
            return new LlmRateLimitedException(
                $"{Describe()} rate-limited the call to model '{model}' (HTTP 429{wait}){detail}",
                providerMessage,
                errorType,
                retryAfter)
            {
                Provider = Provider,
                Attempts = attempt,
            };
        }

        return new LlmHttpException(
            $"{Describe()} answered HTTP {status} {response.ReasonPhrase} for model '{model}' at {RequestUri}{detail}",
            status,
            providerMessage,
            errorType)
        {
            Provider = Provider,
            Attempts = attempt,
        };
    }

    private static async Task<string> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxErrorBodyBytes];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, total);
    }

    private LlmException StreamFailure(Exception ex, LlmCallTimers timers, IStreamDecoder decoder, int attempts)
    {
        if (ex is OperationCanceledException oce && timers.Reason != LlmCallTimers.CancelReason.None)
        {
            return TimeoutFailure(timers, oce, decoder.Text, attempts, $"after {decoder.Chunks} stream chunks");
        }

        return new LlmStreamBrokenException(
            $"the {Describe()} stream broke after {decoder.Chunks} chunks ({decoder.Text.Length} characters of text): {ex.Message}",
            ex)
        {
            Provider = Provider,
            PartialText = decoder.Text,
            Attempts = attempts,
        };
    }

    private LlmTimeoutException TimeoutFailure(LlmCallTimers timers, Exception ex, string partialText, int attempts, string when)
    {
        var (kind, limit, what) = timers.Reason == LlmCallTimers.CancelReason.Idle
            ? (LlmTimeoutKind.Idle, timers.IdleTimeout, "sent nothing for")
            : (LlmTimeoutKind.Total, timers.TotalTimeout, "did not finish the call within");
        return new LlmTimeoutException(
            $"{Describe()} {what} {Seconds(limit)} ({kind.ToString().ToLowerInvariant()} timeout) {when}",
            kind,
            limit,
            ex)
        {
            Provider = Provider,
            PartialText = partialText,
            Attempts = attempts,
        };
    }

    private static LlmException WithGaveUp(LlmException failure, int attempts)
    {
        var message = $"{failure.Message} (gave up after {attempts} attempts)";
        return failure switch
        {
            LlmRateLimitedException r => new LlmRateLimitedException(message, r.ProviderMessage, r.ErrorType, r.RetryAfter)
            {
                Provider = r.Provider,
                Attempts = attempts,
            },
            LlmHttpException h => new LlmHttpException(message, h.StatusCode, h.ProviderMessage, h.ErrorType)
            {
                Provider = h.Provider,
                Attempts = attempts,
            },
            LlmTimeoutException t => new LlmTimeoutException(message, t.Kind, t.Timeout, t.InnerException)
            {
                Provider = t.Provider,
                Attempts = attempts,
            },
            _ => new LlmConnectionException(message, failure.InnerException ?? failure)
            {
                Provider = failure.Provider,
                Attempts = attempts,
            },
        };
    }

    private static string Seconds(TimeSpan value) =>
        value.TotalSeconds >= 1 && value.TotalSeconds == Math.Floor(value.TotalSeconds)
            ? $"{value.TotalSeconds:0} s"
            : $"{value.TotalMilliseconds:0} ms";

    // One line per attempt; the exception (with its stack trace) only at Debug.
    [LoggerMessage(
        EventId = (int)LlmLogEvent.Retrying,
        Level = LogLevel.Warning,
        Message = "LLM call to {Provider} at {Url} failed ({ErrorKind}, attempt {Attempt} of {MaxAttempts}); retrying in {DelayMs} ms: {Reason}")]
    private partial void LogWarningRetrying(string provider, Uri url, string errorKind, int attempt, int maxAttempts, long delayMs, string reason);

    [LoggerMessage(EventId = (int)LlmLogEvent.RetryFailure, Level = LogLevel.Debug, Message = "The failure of attempt {Attempt} of the LLM call to {Provider}")]
    private partial void LogDebugRetryFailure(Exception exception, string provider, int attempt);

    [LoggerMessage(
        EventId = (int)LlmLogEvent.CallCompleted,
        Level = LogLevel.Debug,
        Message = "LLM call to {Provider} model {Model} completed in {ElapsedMs} ms: {InputTokens} input, {OutputTokens} output tokens, {ToolCalls} tool calls")]
    private partial void LogDebugCallCompleted(string provider, string model, long elapsedMs, int inputTokens, int outputTokens, int toolCalls);
}

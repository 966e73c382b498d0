using System.Net.ServerSentEvents;

namespace Duragent.Llm;

/// <summary>Turns one provider's SSE items into stream events; one instance per call (it holds the call's state).</summary>
internal interface IStreamDecoder
{
    /// <summary>Text received so far.</summary>
    string Text { get; }

    /// <summary>SSE items processed so far.</summary>
    int Chunks { get; }

    /// <summary>The provider said it is done (<c>[DONE]</c>, <c>message_stop</c>): stop reading.</summary>
    bool IsTerminated { get; }

    /// <summary>The model finished (a finish/stop reason arrived); a transport failure after this is harmless.</summary>
    bool HasFinished { get; }

    /// <summary>Processes one item; returns the text delta it carried, if any. Throws on a provider error event.</summary>
    LlmTextDelta? Process(SseItem<string> item);

    /// <summary>The final event, once <see cref="IsTerminated"/> or <see cref="HasFinished"/>.</summary>
    LlmCompleted Complete();
}

namespace Duragent.Context;

/// <summary>Which part of an over-long tool result is kept (<c>context.tool_result_truncation</c>).</summary>
public enum ToolResultTruncation
{
    /// <summary>The beginning (the default).</summary>
    Head,

    /// <summary>The end.</summary>
    Tail,

    /// <summary>Half from the beginning, half from the end.</summary>
    Both,
}

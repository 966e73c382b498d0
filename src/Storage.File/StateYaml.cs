using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.EventEmitters;
using YamlDotNet.Serialization.NamingConventions;

namespace Duragent.Storage.File;

/// <summary>
/// The YAML conventions of the provider's files: snake_case member and enum names, multi-line strings as literal
/// blocks (readable prompts and messages), no anchors/aliases, unknown members ignored when reading (so a field
/// removed from a state class does not make old files unreadable).
/// </summary>
internal static class StateYaml
{
    public static ISerializer Serializer { get; } = new SerializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithEnumNamingConvention(UnderscoredNamingConvention.Instance)
        .WithEventEmitter(next => new LiteralMultilineEventEmitter(next))
        .WithQuotingNecessaryStrings()
        .WithTypeConverter(new DateTimeOffsetConverter())
        .DisableAliases()
        .Build();

    public static IDeserializer Deserializer { get; } = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .WithEnumNamingConvention(UnderscoredNamingConvention.Instance)
        .WithTypeConverter(new DateTimeOffsetConverter())
        .IgnoreUnmatchedProperties()
        .Build();

    /// <summary>
    /// Deserializes <paramref name="text"/>; a YAML error becomes a <see cref="StorageCorruptedException"/> naming the
    /// file, line and column.
    /// </summary>
    public static T Deserialize<T>(string text, string path)
    {
        try
        {
            return Deserializer.Deserialize<T>(text)
                ?? throw new StorageCorruptedException($"{path}: the file is empty.", path, 1);
        }
        catch (YamlException ex)
        {
            var line = ex.Start.Line;
            var reason = ex.InnerException is { } inner && ex.Message.StartsWith("Exception during deserialization", StringComparison.Ordinal)
                ? inner.Message
                : ex.Message;
            throw new StorageCorruptedException($"{path}:{line}:{ex.Start.Column}: cannot read the file: {reason}", path, line, ex);
        }
    }

    // YamlDotNet writes DateTimeOffset as an object of all its properties and cannot read that back: use ISO 8601.
    private sealed class DateTimeOffsetConverter : IYamlTypeConverter
    {
        public bool Accepts(Type type) => type == typeof(DateTimeOffset) || type == typeof(DateTimeOffset?);

        public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer)
        {
            var scalar = parser.Consume<Scalar>();
            if (type == typeof(DateTimeOffset?) && scalar.Style == ScalarStyle.Plain && scalar.Value is "" or "~" or "null")
            {
                return null;
            }

            return DateTimeOffset.TryParse(scalar.Value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value)
                ? value
                : throw new YamlException(scalar.Start, scalar.End, $"'{scalar.Value}' is not a timestamp (ISO 8601, e.g. 2026-11-21T10:00:00.000Z).");
        }

        public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer)
        {
            var text = value is DateTimeOffset time ? time.ToString("O", CultureInfo.InvariantCulture) : "null";
            emitter.Emit(new Scalar(null, null, text, ScalarStyle.Plain, true, false));
        }
    }

    private sealed class LiteralMultilineEventEmitter(IEventEmitter nextEmitter) : ChainedEventEmitter(nextEmitter)
    {
        public override void Emit(ScalarEventInfo eventInfo, IEmitter emitter)
        {
            // Multi-line text reads best as a literal block; but block styles normalize line breaks to \n, so text
            // with \r (or other control characters) is written double-quoted, with escapes.
            if (eventInfo.Source.Value is string text && text.Contains('\n', StringComparison.Ordinal))
            {
                eventInfo.Style = HasControlCharacterOtherThanLayout(text) ? ScalarStyle.DoubleQuoted : ScalarStyle.Literal;
            }
            else if (eventInfo.Source.Value is string other && HasControlCharacterOtherThanLayout(other))
            {
                eventInfo.Style = ScalarStyle.DoubleQuoted;
            }

            base.Emit(eventInfo, emitter);
        }

        private static bool HasControlCharacterOtherThanLayout(string text)
        {
            foreach (var c in text)
            {
                if (char.IsControl(c) && c is not ('\n' or '\t'))
                {
                    return true;
                }
            }

            return false;
        }
    }
}

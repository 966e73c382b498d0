using System.Security.Cryptography;

namespace Duragent;

/// <summary>
/// Lexicographically sortable identifiers (ULID: 48-bit millisecond time + 80 random bits, Crockford base32,
/// 26 characters). Used for session, message and schedule ids, e.g. <c>session_01JD3Q…</c>.
/// </summary>
public static class Ulid
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>A new ULID for the current time.</summary>
    public static string NewUlid() => NewUlid(DateTimeOffset.UtcNow);

    /// <summary>A new ULID for <paramref name="time"/>.</summary>
    public static string NewUlid(DateTimeOffset time)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)time.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)(ms & 0xFF);
            ms >>= 8;
        }

        RandomNumberGenerator.Fill(bytes[6..]);
        return Encode(bytes);
    }

    /// <summary>A new id with a prefix, e.g. <c>NewId("session")</c> gives <c>session_01JD…</c>.</summary>
    public static string NewId(string prefix) => prefix + "_" + NewUlid();

    private static string Encode(ReadOnlySpan<byte> bytes)
    {
        // 128 bits → 26 base32 characters, most significant first (the first character carries 3 bits).
        Span<char> chars = stackalloc char[26];
        var hi = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
        var lo = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        var value = new UInt128(hi, lo);
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return new string(chars);
    }
}

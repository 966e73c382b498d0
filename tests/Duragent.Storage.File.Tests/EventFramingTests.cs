using System.Text;

namespace Duragent.Storage.File.Tests;

public sealed class EventFramingTests
{
    [Theory]
    [InlineData("""{"seq":3,"ts":"t","type":"x","batch":[3,4],"a":1}""", """{"seq":3,"ts":"t","type":"x","a":1}""")]
    [InlineData("""{"seq":4,"ts":"t","type":"x","batch":[3,4]}""", """{"seq":4,"ts":"t","type":"x"}""")]
    [InlineData("""{"batch":[3,4],"seq":4}""", """{"seq":4}""")]
    [InlineData("""{"seq":5,"type":"x","nested":{"batch":[1,2]}}""", """{"seq":5,"type":"x","nested":{"batch":[1,2]}}""")]
    [InlineData("""{"seq":6,"type":"x","content":"say \"batch\": now"}""", """{"seq":6,"type":"x","content":"say \"batch\": now"}""")]
    [InlineData("""{"seq":4,"ts":"t","type":"x","batch":[3,4],"reserved_through":9,"a":1}""", """{"seq":4,"ts":"t","type":"x","a":1}""")]
    [InlineData("""{"seq":4,"ts":"t","type":"x","reserved_through":9}""", """{"seq":4,"ts":"t","type":"x"}""")]
    [InlineData("""{"batch":[3,4],"reserved_through":9,"seq":4}""", """{"seq":4}""")]
    [InlineData("""{"seq":7,"type":"x","nested":{"reserved_through":1}}""", """{"seq":7,"type":"x","nested":{"reserved_through":1}}""")]
    public void WithoutFraming_RemovesOnlyTheTopLevelFramingMembers(string stored, string expected)
    {
        var result = EventLineFormat.WithoutFraming(Encoding.UTF8.GetBytes(stored));

        Assert.Equal(expected, Encoding.UTF8.GetString(result));
    }
}

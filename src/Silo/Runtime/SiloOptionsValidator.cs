using Microsoft.Extensions.Options;

namespace Duragent.Runtime;

/// <summary>Checks <see cref="SiloOptions"/> at startup; the message names the component and the option.</summary>
internal sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var errors = new List<string>();
        CheckPositive(errors, nameof(SiloOptions.ResponseTimeout), options.ResponseTimeout, allowInfinite: true);
        CheckPositive(errors, nameof(SiloOptions.ActivationTimeout), options.ActivationTimeout, allowInfinite: false);
        CheckPositive(errors, nameof(SiloOptions.DeactivationTimeout), options.DeactivationTimeout, allowInfinite: false);
        CheckPositive(errors, nameof(SiloOptions.CollectionAge), options.CollectionAge, allowInfinite: true);
        CheckPositive(errors, nameof(SiloOptions.CollectionQuantum), options.CollectionQuantum, allowInfinite: false);
        if (options.DrainTimeout < TimeSpan.Zero)
        {
            errors.Add($"Duragent silo: SiloOptions.DrainTimeout must not be negative (got {options.DrainTimeout}).");
        }

        foreach (var (grainType, age) in options.CollectionAgeByGrainType)
        {
            CheckPositive(errors, $"{nameof(SiloOptions.CollectionAgeByGrainType)}[{grainType}]", age, allowInfinite: true);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckPositive(List<string> errors, string option, TimeSpan value, bool allowInfinite)
    {
        if (allowInfinite && value == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        if (value <= TimeSpan.Zero)
        {
            var rule = allowInfinite ? "positive or Timeout.InfiniteTimeSpan" : "positive";
            errors.Add($"Duragent silo: SiloOptions.{option} must be {rule} (got {value}).");
        }
    }
}

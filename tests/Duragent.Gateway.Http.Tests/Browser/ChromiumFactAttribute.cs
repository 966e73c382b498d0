namespace Duragent.Gateway.Http.Tests.Browser;

/// <summary>A fact that drives headless Chromium; reported as skipped (with the reason) where it is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Find() is null)
        {
            Skip = "Chromium is not installed (apt-get install chromium, or set DURAGENT_CHROMIUM to its path); the browser attack tests need it";
        }
    }
}

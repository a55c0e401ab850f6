using FriendLite.Edge.Native;
using FriendLite.Edge.Tests.Support;
using FriendLite.Edge.Transcription;

namespace FriendLite.Edge.Tests.Transcription;

/// <summary>What the speech server's <c>info</c> says a model can do: English for <c>.en</c> models, whisper.cpp's languages for multilingual ones.</summary>
public sealed class EngineDescriptionTests
{
    [Fact]
    public void AnEnglishOnlyModel_NamedWithoutItsFileDressing_KnowsEnglish()
    {
        var description = EngineDescription.Of(ModelFile.Inspect(Fixtures.Path("ggml-tiny.en-for-tests.bin")));

        Assert.Equal("tiny.en-for-tests", description.Model);
        Assert.Equal(["en"], description.Languages);
        Assert.Equal("en", description.Resolve("en-US"));
        Assert.Equal("en", description.Resolve(null)); // none asked: the model's default
        var refused = Assert.Throws<ArgumentException>(() => description.Resolve("de"));
        Assert.Equal("the model tiny.en-for-tests cannot transcribe 'de': it knows only 'en'", refused.Message);
    }

    [Fact]
    public void MultilingualModels_KnowWhisperCppsLanguages_CantoneseOnlyWithItsToken()
    {
        NativeLibraries.EnsureWhisper();

        var v2 = EngineDescription.LanguagesOf(51865);
        var v3 = EngineDescription.LanguagesOf(51866);

        Assert.Equal(99, v2.Count);
        Assert.Contains("de", v2);
        Assert.Contains("en", v2);
        Assert.DoesNotContain("yue", v2);
        Assert.Equal([.. v2, "yue"], v3.Order(StringComparer.Ordinal).Where(l => l != "yue").Append("yue"));
        Assert.Equal(v2.Order(StringComparer.Ordinal), v2);
    }
}

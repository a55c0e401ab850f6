using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace FriendLite.Edge.Native;

/// <summary>
/// What this CPU can run, read with CPUID rather than <c>Avx2.IsSupported</c>: the binary is
/// compiled for the x86-64 baseline so that it starts on any x64 CPU, and under Native AOT the
/// intrinsics' IsSupported only reports the instruction sets the binary was compiled for. The
/// prebuilt Whisper runtime for x64 is compiled for AVX2, FMA and F16C; without them it dies on an
/// illegal instruction, so it is never loaded on such a CPU.
/// </summary>
internal readonly record struct CpuFeatures(Architecture Architecture, bool Avx, bool Avx2, bool Fma, bool F16c, bool OsSavesAvx, bool Neon)
{
    public static CpuFeatures Current { get; } = Read();

    /// <summary>Null when the local Whisper runtime can run here; otherwise one sentence saying what is missing.</summary>
    public string? WhisperUnsupportedReason => Architecture switch
    {
        Architecture.X64 when !(Avx && Avx2 && Fma && F16c && OsSavesAvx) =>
            $"local Whisper needs an x64 CPU with AVX2, FMA and F16C, and this one lacks {Missing()}",
        Architecture.Arm64 when !Neon => "local Whisper needs an arm64 CPU with NEON (AdvSimd), and this one has none",
        Architecture.X64 or Architecture.Arm64 => null,
        _ => $"local Whisper has no runtime for {Architecture} CPUs",
    };

    /// <summary>The instruction sets that matter here, for logs and <c>doctor</c>: "x64 with AVX AVX2 FMA F16C".</summary>
    public string Summary => Architecture switch
    {
        Architecture.X64 => Present().ToList() is { Count: > 0 } present ? "x64 with " + string.Join(' ', present) : "x64 without AVX",
        Architecture.Arm64 => Neon ? "arm64 with NEON" : "arm64 without NEON",
        _ => Architecture.ToString(),
    };

    private IEnumerable<string> Present()
    {
        if (Avx && OsSavesAvx) yield return "AVX";
        if (Avx2 && OsSavesAvx) yield return "AVX2";
        if (Fma && OsSavesAvx) yield return "FMA";
        if (F16c) yield return "F16C";
    }

    private string Missing()
    {
        if (!OsSavesAvx && Avx)
        {
            return "AVX state support from the operating system";
        }

        var missing = new List<string>(4);
        if (!Avx) missing.Add("AVX");
        if (!Avx2) missing.Add("AVX2");
        if (!Fma) missing.Add("FMA");
        if (!F16c) missing.Add("F16C");
        return missing.Count == 1 ? missing[0] : string.Join(", ", missing[..^1]) + " and " + missing[^1];
    }

    internal static CpuFeatures Read()
    {
        var architecture = RuntimeInformation.ProcessArchitecture;
        if (architecture == Architecture.X64 && X86Base.IsSupported)
        {
            // Leaf 1: ECX bit 12 FMA, 27 OSXSAVE (the kernel saves the AVX registers), 28 AVX, 29 F16C.
            // Leaf 7, sub-leaf 0: EBX bit 5 AVX2.
            var (_, _, ecx1, _) = X86Base.CpuId(1, 0);
            var (maxLeaf, _, _, _) = X86Base.CpuId(0, 0);
            var ebx7 = maxLeaf >= 7 ? X86Base.CpuId(7, 0).Ebx : 0;
            return new CpuFeatures(architecture,
                Avx: Bit(ecx1, 28), Avx2: Bit(ebx7, 5), Fma: Bit(ecx1, 12), F16c: Bit(ecx1, 29), OsSavesAvx: Bit(ecx1, 27), Neon: false);
        }

        return new CpuFeatures(architecture, false, false, false, false, false, Neon: architecture == Architecture.Arm64 && AdvSimd.IsSupported);
    }

    private static bool Bit(int register, int bit) => (register & (1 << bit)) != 0;
}

using System.Runtime.InteropServices;
using FriendLite.Edge.Native;
using FriendLite.Edge.Server;

namespace FriendLite.Edge.Tests.Native;

public sealed class CpuFeaturesTests
{
    private static readonly CpuFeatures s_haswell = new(Architecture.X64, Avx: true, Avx2: true, Fma: true, F16c: true, OsSavesAvx: true, Neon: false);
    private static readonly CpuFeatures s_nehalem = new(Architecture.X64, Avx: false, Avx2: false, Fma: false, F16c: false, OsSavesAvx: false, Neon: false);

    [Fact]
    public void WhisperUnsupportedReason_Avx2Fma_IsNone()
    {
        Assert.Null(s_haswell.WhisperUnsupportedReason);
        Assert.Equal("x64 with AVX AVX2 FMA F16C", s_haswell.Summary);
    }

    [Fact]
    public void WhisperUnsupportedReason_NoAvx_NamesEverythingMissing()
    {
        Assert.Equal("local Whisper needs an x64 CPU with AVX2, FMA and F16C, and this one lacks AVX, AVX2, FMA and F16C", s_nehalem.WhisperUnsupportedReason);
        Assert.Equal("x64 without AVX", s_nehalem.Summary);
    }

    [Fact]
    public void WhisperUnsupportedReason_AvxWithoutAvx2_NamesAvx2Alone()
    {
        // Sandy Bridge, and the Pentium/Celeron of later years: AVX, no AVX2.
        var sandyBridge = s_haswell with { Avx2 = false, Fma = false };

        Assert.Equal("local Whisper needs an x64 CPU with AVX2, FMA and F16C, and this one lacks AVX2 and FMA", sandyBridge.WhisperUnsupportedReason);
    }

    [Fact]
    public void WhisperUnsupportedReason_KernelDoesNotSaveAvxState_IsUnsupported()
    {
        var noXsave = s_haswell with { OsSavesAvx = false };

        Assert.Equal("local Whisper needs an x64 CPU with AVX2, FMA and F16C, and this one lacks AVX state support from the operating system", noXsave.WhisperUnsupportedReason);
    }

    [Fact]
    public void WhisperUnsupportedReason_Arm64_NeedsNeon()
    {
        var pi = new CpuFeatures(Architecture.Arm64, false, false, false, false, false, Neon: true);

        Assert.Null(pi.WhisperUnsupportedReason);
        Assert.NotNull((pi with { Neon = false }).WhisperUnsupportedReason);
    }

    [Fact]
    public void Read_OnThisMachine_AgreesWithTheKernelsFlags()
    {
        // CPUID read by hand must say what /proc/cpuinfo says of this CPU.
        var cpu = CpuFeatures.Read();
        var flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(':')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        Assert.Equal(RuntimeInformation.ProcessArchitecture, cpu.Architecture);
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || flags is null)
        {
            return;
        }

        Assert.Equal(flags.Contains("avx2"), cpu.Avx2);
        Assert.Equal(flags.Contains("fma"), cpu.Fma);
        Assert.Equal(flags.Contains("f16c"), cpu.F16c);
        Assert.Equal(flags.Contains("avx"), cpu.Avx);
    }

    [Fact]
    public void DoctorCpu_NoAvx2AndNoRemoteAsr_FailsAndPointsToAsr()
    {
        var result = DoctorChecks.Cpu(s_nehalem, remoteAsr: false);

        Assert.Equal("FAIL", result.Status);
        Assert.Equal("x64 without AVX: local Whisper needs an x64 CPU with AVX2, FMA and F16C, and this one lacks AVX, AVX2, FMA and F16C — transcribe with a Wyoming server instead: --asr wyoming://HOST:PORT", result.Text);
    }

    [Fact]
    public void DoctorCpu_NoAvx2ButRemoteAsr_Passes()
    {
        var result = DoctorChecks.Cpu(s_nehalem, remoteAsr: true);

        Assert.Equal("ok", result.Status);
        Assert.EndsWith("; this server transcribes through --asr", result.Text, StringComparison.Ordinal);
    }
}

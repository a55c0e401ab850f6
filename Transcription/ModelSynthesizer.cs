using System.Text;

namespace FriendLite.Edge.Transcription;

/// <summary>
/// Writes a ggml Whisper model of a real size (every tensor whisper.cpp loads, at its real shape)
/// filled with small random weights, with mel filters and a vocabulary made here. Its text is
/// noise; its cost to run is a real model's, which is what tests and benchmarks need on machines
/// that cannot download real weights.
/// Plain random weights make whisper's decoder misbehave in a way no real model does: the 1,501
/// timestamp tokens together always outweigh the best text token, so every window decodes into
/// dozens of tiny segments and re-runs the encoder many times (5 s of audio cost 10 s). Three
/// weights are therefore shaped so decoding looks like a real model's: the final norm's bias
/// holds a fixed direction that the timestamp tokens point away from (text wins after the forced
/// first timestamp), and the decoder's positions ramp along a second direction that end-of-text
/// points along, so a window ends after about <see cref="TokensPerWindow"/> tokens.
/// </summary>
internal static class ModelSynthesizer
{
    private const uint Magic = 0x67676d6c;

    /// <summary>The shapes of the standard sizes (English-only vocabulary).</summary>
    public static (int State, int Heads, int Layers) Shape(string size) => size switch
    {
        "tiny" => (384, 6, 4),
        "base" => (512, 8, 6),
        "small" => (768, 12, 12),
        _ => throw new ArgumentException($"size '{size}' is not one of tiny, base, small"),
    };

    /// <summary>About how many tokens a window decodes before end-of-text.</summary>
    public const int TokensPerWindow = 26;

    private const int EndOfText = 50256, FirstTimestamp = 50363;

    /// <summary>Writes the model; <paramref name="progress"/> hears the bytes written and the
    /// file's total after each tensor. Returns how many tensors were written.</summary>
    public static int Write(string path, string size, int seed = 1, Action<long, long>? progress = null)
    {
        var (state, heads, layers) = Shape(size);
        const int vocabulary = 51864, audioContext = 1500, textContext = 448, mels = 80, fft = 201;
        var random = new Random(seed);
        var halves = new byte[1 << 16];
        for (var i = 0; i < halves.Length; i += 2)
        {
            BitConverter.TryWriteBytes(halves.AsSpan(i), (Half)(float)(random.NextDouble() * 0.04 - 0.02));
        }

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using var writer = new BinaryWriter(file);
        writer.Write(Magic);
        foreach (var value in new[] { vocabulary, audioContext, state, heads, layers, textContext, state, heads, layers, mels, 1 })
        {
            writer.Write(value);
        }

        writer.Write(mels);
        writer.Write(fft);
        foreach (var weight in MelFilters(mels, fft))
        {
            writer.Write(weight);
        }

        // The text tokens; whisper.cpp adds the special tokens past them itself.
        const int textTokens = 50256 + 1;
        writer.Write(textTokens);
        for (var i = 0; i < textTokens; i++)
        {
            var token = Encoding.UTF8.GetBytes(i < 256 ? ((char)(i < 32 || i > 126 ? '?' : i)).ToString() : $" w{i}");
            writer.Write((uint)token.Length);
            writer.Write(token);
        }

        // Two orthogonal zero-mean unit directions (layer norm removes any mean): "end" on the
        // first half of the state, "bias" on the second.
        var norm = 1 / Math.Sqrt(state / 2.0);
        double End(int i) => i < state / 2 ? (i % 2 == 0 ? norm : -norm) : 0;
        double Bias(int i) => i >= state / 2 ? (i % 2 == 0 ? norm : -norm) : 0;
        double Noise(double spread) => (random.NextDouble() * 2 - 1) * spread;
        const double biasLength = 5, rampPerToken = 0.04, endLength = 0.6, timestampLength = 4;

        // The tensors are walked twice: first only counted, for the file's size, then written.
        var counting = true;
        long total = file.Position;
        var tensors = 0;

        void Tensor(string name, bool half, int[] shape, Func<long, double>? value = null)
        {
            var nameBytes = Encoding.ASCII.GetBytes(name);
            long elements = 1;
            foreach (var n in shape)
            {
                elements *= n;
            }

            if (counting)
            {
                total += (4 * (3 + shape.Length)) + nameBytes.Length + (elements * (half ? 2 : 4));
                return;
            }

            writer.Write(shape.Length);
            writer.Write(nameBytes.Length);
            writer.Write(half ? 1 : 0);
            foreach (var n in shape)
            {
                writer.Write(n);
            }

            writer.Write(nameBytes);
            if (value is not null)
            {
                for (long i = 0; i < elements; i++)
                {
                    if (half)
                    {
                        writer.Write((Half)(float)value(i));
                    }
                    else
                    {
                        writer.Write((float)value(i));
                    }
                }
            }
            else if (half)
            {
                var bytes = elements * 2;
                while (bytes > 0)
                {
                    var chunk = (int)Math.Min(bytes, halves.Length);
                    writer.Write(halves, random.Next(0, (halves.Length - chunk) / 2) * 2, chunk);
                    bytes -= chunk;
                }
            }
            else
            {
                // Norm weights 1, everything else in f32 (biases, positions) small.
                var ones = name.EndsWith("ln.weight", StringComparison.Ordinal) || name.EndsWith("ln_post.weight", StringComparison.Ordinal);
                for (long i = 0; i < elements; i++)
                {
                    writer.Write(ones ? 1f : (float)(random.NextDouble() * 0.02 - 0.01));
                }
            }

            tensors++;
            progress?.Invoke(file.Position, total);
        }

        AllTensors();
        counting = false;
        progress?.Invoke(file.Position, total);
        AllTensors();
        return tensors;

        void AllTensors()
        {
            Tensor("encoder.positional_embedding", false, [state, audioContext]);
            Tensor("encoder.conv1.weight", true, [3, mels, state]);
            Tensor("encoder.conv1.bias", false, [1, state]);
            Tensor("encoder.conv2.weight", true, [3, state, state]);
            Tensor("encoder.conv2.bias", false, [1, state]);
            Tensor("encoder.ln_post.weight", false, [state]);
            Tensor("encoder.ln_post.bias", false, [state]);
            for (var l = 0; l < layers; l++)
            {
                Block($"encoder.blocks.{l}", cross: false);
            }

            Tensor("decoder.positional_embedding", false, [state, textContext], i => Noise(0.01) + (rampPerToken * (i / state) * End((int)(i % state))));
            Tensor("decoder.token_embedding.weight", true, [state, vocabulary], i => (i / state) switch
            {
                EndOfText => endLength * End((int)(i % state)),
                >= FirstTimestamp => -timestampLength * Bias((int)(i % state)),
                _ => Noise(0.02),
            });
            Tensor("decoder.ln.weight", false, [state]);
            Tensor("decoder.ln.bias", false, [state], i => biasLength * Bias((int)i));
            for (var l = 0; l < layers; l++)
            {
                Block($"decoder.blocks.{l}", cross: true);
            }
        }

        void Block(string prefix, bool cross)
        {
            Tensor($"{prefix}.mlp_ln.weight", false, [state]);
            Tensor($"{prefix}.mlp_ln.bias", false, [state]);
            Tensor($"{prefix}.mlp.0.weight", true, [state, 4 * state]);
            Tensor($"{prefix}.mlp.0.bias", false, [4 * state]);
            Tensor($"{prefix}.mlp.2.weight", true, [4 * state, state]);
            Tensor($"{prefix}.mlp.2.bias", false, [state]);
            Attention($"{prefix}.attn_ln", $"{prefix}.attn");
            if (cross)
            {
                Attention($"{prefix}.cross_attn_ln", $"{prefix}.cross_attn");
            }
        }

        void Attention(string norm, string attention)
        {
            Tensor($"{norm}.weight", false, [state]);
            Tensor($"{norm}.bias", false, [state]);
            Tensor($"{attention}.query.weight", true, [state, state]);
            Tensor($"{attention}.query.bias", false, [state]);
            Tensor($"{attention}.key.weight", true, [state, state]);
            Tensor($"{attention}.value.weight", true, [state, state]);
            Tensor($"{attention}.value.bias", false, [state]);
            Tensor($"{attention}.out.weight", true, [state, state]);
            Tensor($"{attention}.out.bias", false, [state]);
        }
    }

    /// <summary>Triangular mel filters (Slaney scale) over a 400-point FFT at 16 kHz.</summary>
    private static float[] MelFilters(int mels, int bins)
    {
        static double HzToMel(double hz) => hz < 1000 ? hz / (200.0 / 3) : 15 + (Math.Log(hz / 1000) / (Math.Log(6.4) / 27));
        static double MelToHz(double mel) => mel < 15 ? mel * (200.0 / 3) : 1000 * Math.Exp((Math.Log(6.4) / 27) * (mel - 15));
        var filters = new float[mels * bins];
        var top = HzToMel(8000);
        var points = Enumerable.Range(0, mels + 2).Select(i => MelToHz(top * i / (mels + 1))).ToArray();
        for (var m = 0; m < mels; m++)
        {
            var (left, center, right) = (points[m], points[m + 1], points[m + 2]);
            for (var b = 0; b < bins; b++)
            {
                var hz = b * 8000.0 / (bins - 1);
                var weight = hz < left || hz > right ? 0 : hz <= center ? (hz - left) / (center - left) : (right - hz) / (right - center);
                filters[(m * bins) + b] = (float)(weight * 2.0 / (right - left));
            }
        }

        return filters;
    }
}

using System.Text;

namespace MongoBackup.Benchmarks;

/// <summary>
/// A seeded vocabulary of made-up words (one to four syllables each) drawn with Zipf's law, as words are in real
/// prose: a few are very common, most are rare. Text made of them compresses about as English prose does (gzip at
/// mongodump's level stores it at about a third), unlike text from a few dozen words drawn evenly, which compresses
/// far better than anything users store. An exponent of 0 draws every word equally (names, cities).
/// </summary>
public sealed class SyntheticText
{
    private static readonly string[] Syllables =
    [
        "an", "ber", "ca", "dor", "el", "fin", "ga", "hal", "in", "jo", "ka", "lor", "man", "ne", "or", "pa", "qui",
        "ros", "sa", "ten", "u", "ver", "wil", "xa", "yo", "zen", "ar", "bel", "cor", "den", "es", "for", "gri", "ho",
        "is", "jun", "kle", "lan", "mer", "nor", "ol", "pre", "ri", "sto", "tra", "un", "vi", "wen", "chi", "sha",
    ];
    private static readonly string[] SentenceEnds = [".", ".", ".", "?", "!"];

    private readonly string[] _words;
    private readonly double[] _cumulative;

    /// <param name="seed">Seeds the vocabulary, so every run builds the same words.</param>
    /// <param name="vocabulary">How many distinct words.</param>
    /// <param name="exponent">Zipf's exponent: the word of rank r is drawn with weight 1 / r^exponent.</param>
    public SyntheticText(int seed, int vocabulary, double exponent)
    {
        var random = new Random(seed);
        var seen = new HashSet<string>();
        var words = new List<string>(vocabulary);
        while (words.Count < vocabulary)
        {
            var syllables = Weighted(random, [(1, 3), (2, 5), (3, 3), (4, 1)]);
            var word = string.Concat(Enumerable.Range(0, syllables).Select(_ => Syllables[random.Next(Syllables.Length)]));
            if (seen.Add(word)) words.Add(word);
        }
        _words = words.ToArray();
        _cumulative = new double[vocabulary];
        double total = 0;
        for (var rank = 0; rank < vocabulary; rank++) _cumulative[rank] = total += 1 / Math.Pow(rank + 1, exponent);
    }

    public string Word(Random random)
    {
        var index = Array.BinarySearch(_cumulative, random.NextDouble() * _cumulative[^1]);
        return _words[Math.Min(index < 0 ? ~index : index, _words.Length - 1)];
    }

    public string CapitalizedWord(Random random)
    {
        var word = Word(random);
        return char.ToUpperInvariant(word[0]) + word[1..];
    }

    /// <summary>Sentences of 5 to 16 words until the text is exactly <paramref name="length"/> characters (ASCII).</summary>
    public string Paragraph(Random random, int length)
    {
        var text = new StringBuilder(length + 128);
        while (text.Length < length)
        {
            var words = random.Next(5, 17);
            text.Append(CapitalizedWord(random));
            for (var i = 1; i < words; i++) text.Append(' ').Append(Word(random));
            text.Append(SentenceEnds[random.Next(SentenceEnds.Length)]).Append(' ');
        }
        return text.ToString(0, length);
    }

    /// <summary>One of the values, chosen with the given relative weights.</summary>
    public static T Weighted<T>(Random random, (T Value, int Weight)[] choices)
    {
        var pick = random.Next(choices.Sum(c => c.Weight));
        foreach (var (value, weight) in choices)
        {
            if (pick < weight) return value;
            pick -= weight;
        }
        return choices[^1].Value;
    }
}

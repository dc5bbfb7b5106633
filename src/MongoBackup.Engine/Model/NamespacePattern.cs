using System.Text;
using System.Text.RegularExpressions;

namespace MongoBackup.Engine.Model;

/// <summary>
/// A namespace pattern in mongorestore's --nsInclude/--nsExclude/--nsFrom/--nsTo syntax (mongo-tools mongorestore/ns):
/// '*' is the only wildcard and matches any run of characters, dots included; '\*' is a literal '*', '\\' a literal
/// '\', and a '\' before any other character is dropped. Every other character, '?', '[' and ']' among them, stands
/// for itself. A --nsFrom pattern may instead name its parts as $variables$ ('$db$.user$$'), in which form '*' and
/// '\' are plain characters; include and exclude patterns may not contain '$'.
/// </summary>
public sealed class NamespacePattern
{
    private readonly Regex _regex;

    private NamespacePattern(string pattern, Regex regex, IReadOnlyList<string> variables)
    {
        Pattern = pattern;
        _regex = regex;
        Variables = variables;
    }

    /// <summary>The pattern as the user gave it.</summary>
    public string Pattern { get; }

    /// <summary>The names of the parts the pattern captures, in order: "1", "2", ... for '*', or the $variable$ names.</summary>
    internal IReadOnlyList<string> Variables { get; }

    /// <summary>An include or exclude pattern.</summary>
    /// <exception cref="MongoBackupException">InvalidArgument: the pattern holds '$', which mongorestore refuses there too.</exception>
    public static NamespacePattern ForMatching(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Contains('$'))
            throw new MongoBackupException(ErrorIds.InvalidArgument,
                $"The namespace pattern '{pattern}' contains '$', which is not allowed in include or exclude patterns (as for mongorestore's --nsInclude).");
        return Compile(pattern, Parse(pattern));
    }

    /// <summary>A rename source (--nsFrom): wildcards, or $variables$ when the pattern holds '$'.</summary>
    public static NamespacePattern ForRenaming(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return Compile(pattern, Parse(pattern));
    }

    /// <summary>
    /// The include pattern that matches what the rename source <paramref name="renameSource"/> matches: the pattern
    /// itself, or, for one with $parts$, each part as '*' and the text between escaped.
    /// </summary>
    public static string MatchingOf(string renameSource) =>
        !renameSource.Contains('$') ? renameSource
            : string.Concat(Parse(renameSource).Select(p => p.IsPart ? "*" : Escape(p.Value)));

    /// <summary>The pattern that matches exactly <paramref name="name"/> (mongorestore's ns.Escape).</summary>
    public static string Escape(string name) => name.Replace(@"\", @"\\").Replace("*", @"\*");

    /// <summary>Whether the whole "db.collection" <paramref name="ns"/> matches, case-sensitively.</summary>
    public bool IsMatch(string ns) => _regex.IsMatch(ns);

    /// <summary>What each part matched, by <see cref="Variables"/> name; null when the namespace does not match.</summary>
    internal Dictionary<string, string>? Capture(string ns)
    {
        var match = _regex.Match(ns);
        if (!match.Success) return null;
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < Variables.Count; i++) parts[Variables[i]] = match.Groups[i + 1].Value;
        return parts;
    }

    /// <summary>
    /// The pattern cut into literal text and captured parts. Without '$', an unescaped '*' (one not right after '\')
    /// is a part, numbered from the last '*' backwards as mongorestore numbers them, and the text between is unescaped;
    /// with '$', $name$ pairs are the parts and the rest is literal.
    /// </summary>
    internal static List<Piece> Parse(string pattern)
    {
        var pieces = new List<Piece>();
        if (pattern.Contains('$'))
        {
            var rest = pattern;
            var literal = new StringBuilder();
            while (rest.Length > 0)
            {
                if (rest[0] == '$')
                {
                    var close = rest.IndexOf('$', 1);
                    if (close < 0)
                        throw Invalid(pattern, "it has an unpaired '$'");
                    if (literal.Length > 0) pieces.Add(Piece.Text(literal.ToString()));
                    literal.Clear();
                    pieces.Add(Piece.Part(rest[1..close]));
                    rest = rest[(close + 1)..];
                }
                else
                {
                    literal.Append(rest[0]);
                    rest = rest[1..];
                }
            }
            if (literal.Length > 0) pieces.Add(Piece.Text(literal.ToString()));
            return pieces;
        }

        var stars = Enumerable.Range(0, pattern.Length).Where(i => pattern[i] == '*' && (i == 0 || pattern[i - 1] != '\\')).ToList();
        var start = 0;
        for (var k = 0; k < stars.Count; k++)
        {
            if (stars[k] > start) pieces.Add(Piece.Text(Unescape(pattern[start..stars[k]])));
            pieces.Add(Piece.Part((stars.Count - k).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            start = stars[k] + 1;
        }
        if (start < pattern.Length) pieces.Add(Piece.Text(Unescape(pattern[start..])));
        return pieces;
    }

    internal static MongoBackupException Invalid(string pattern, string why) =>
        new(ErrorIds.InvalidArgument, $"The namespace pattern '{pattern}' is not valid: {why}.");

    private static NamespacePattern Compile(string pattern, List<Piece> pieces)
    {
        var regex = new StringBuilder("^");
        var variables = new List<string>();
        foreach (var piece in pieces)
        {
            if (piece.IsPart)
            {
                if (variables.Contains(piece.Value))
                    throw Invalid(pattern, $"the part ${piece.Value}$ is used more than once");
                variables.Add(piece.Value);
                regex.Append("(.*?)");
            }
            else
            {
                regex.Append(Regex.Escape(piece.Value));
            }
        }
        regex.Append('$');
        return new NamespacePattern(pattern, new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline), variables);
    }

    // Left to right, "\\" gives '\', "\*" gives '*', and a lone '\' is dropped (Go's strings.Replacer in ns.Unescape).
    private static string Unescape(string text)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\') { result.Append(text[i]); continue; }
            if (i + 1 < text.Length && text[i + 1] is '\\' or '*') result.Append(text[++i]);
        }
        return result.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Pattern;

    /// <summary>Literal text, or a captured part with its name.</summary>
    internal readonly record struct Piece(bool IsPart, string Value)
    {
        public static Piece Text(string value) => new(false, value);
        public static Piece Part(string name) => new(true, name);
    }
}

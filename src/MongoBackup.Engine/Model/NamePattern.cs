using System.Text.RegularExpressions;

namespace MongoBackup.Engine.Model;

/// <summary>
/// PowerShell-style wildcards (* ? [abc], '`' escaping the next character) matched case-sensitively, as MongoDB names
/// are. A name that holds wildcard characters is matched exactly by its <see cref="Escape"/>d form; the filters also let
/// a pattern that is exactly an existing name match that name only (see <see cref="NamespaceFilter.PreferringExactNames"/>).
/// </summary>
public sealed class NamePattern
{
    private readonly Regex _regex;

    /// <summary>A pattern in PowerShell wildcard syntax; an unclosed '[' is a literal character.</summary>
    public NamePattern(string pattern)
    {
        Pattern = pattern;
        _regex = new Regex("^" + ToRegex(pattern) + "$", RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    /// <summary>The pattern as the user gave it.</summary>
    public string Pattern { get; }
    /// <summary>True when the pattern holds *, ? or [: it may match more than one name.</summary>
    public bool HasWildcards => Pattern.IndexOfAny(['*', '?', '[']) >= 0;

    /// <summary>Whether the whole of <paramref name="name"/> matches, case-sensitively.</summary>
    public bool IsMatch(string name) => _regex.IsMatch(name);

    /// <summary>The pattern that matches exactly <paramref name="name"/>: each wildcard character and '`' escaped with '`'.</summary>
    public static string Escape(string name)
    {
        var escaped = new System.Text.StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (c is '*' or '?' or '[' or ']' or '`') escaped.Append('`');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    private static string ToRegex(string pattern)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '[':
                    var close = pattern.IndexOf(']', i + 1);
                    if (close < 0) { sb.Append(@"\["); break; }
                    sb.Append('[').Append(pattern[(i + 1)..close].Replace(@"\", @"\\")).Append(']');
                    i = close;
                    break;
                case '`' when i + 1 < pattern.Length: sb.Append(Regex.Escape(pattern[++i].ToString())); break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        return sb.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Pattern;
}

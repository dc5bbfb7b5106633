using System.Text;

namespace MongoBackup;

/// <summary>
/// Text for a table column that wraps (the retention, policy and -WhatIf tables' reasons): broken into lines at spaces,
/// each no wider than the column has at 80 console columns. PowerShell's own table wrap cuts a line at the column's
/// edge wherever that falls, so a snapshot id or a namespace came out split in two ('2026120' / '2T084817Z-full');
/// lines made here keep each word whole, and at a wider console they simply stay short.
/// </summary>
public static class ColumnText
{
    private static readonly char[] PartEnds = ['/', '\\', '.', '-', '_'];

    /// <summary>
    /// <paramref name="text"/> as lines of at most <paramref name="width"/> characters, broken at spaces; a line break in
    /// the text is kept; a word longer than the width (a long path) is broken after a '/', '.' or '-', else cut at the width.
    /// </summary>
    public static string Wrap(string? text, int width)
    {
        if (string.IsNullOrEmpty(text) || width < 1) return text ?? "";
        var lines = new List<string>();
        foreach (var paragraph in text.Replace("\r\n", "\n").Split('\n'))
        {
            var line = new StringBuilder();
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > width)
                {
                    lines.Add(line.ToString());
                    line.Clear();
                }
                if (line.Length > 0) line.Append(' ');
                line.Append(word);
                while (line.Length > width)
                {
                    // A word longer than the column (a path, a long namespace or error id) breaks after its last '/', '\',
                    // '.' or '-' that fits, so each piece is a whole part of it; with none, at the edge.
                    var cut = line.ToString(0, width).LastIndexOfAny(PartEnds) + 1;
                    if (cut <= 0) cut = width;
                    lines.Add(line.ToString(0, cut));
                    line.Remove(0, cut);
                }
            }
            lines.Add(line.ToString());
        }
        return string.Join("\n", lines);
    }
}

using MongoBackup.Engine.Repository;
using MongoDB.Bson;
using static MongoBackup.Engine.Tests.Housekeeping.SnapshotHistory;

namespace MongoBackup.Engine.Tests.Model;

/// <summary>
/// A -PointInTime moment becomes a limit read to the millisecond, as oplog wall times are millisecond dates: it compares,
/// shows and is named in refusals as that one millisecond, and every entry of that millisecond is included.
/// </summary>
public sealed class OplogLimitTests
{
    // The tryout's last write: an entry at 00:03:20.511 (second 200 of the timeline), wall time to the millisecond.
    private static readonly DateTimeOffset LastWall = At(200) + TimeSpan.FromMilliseconds(511);

    private static DateTimeOffset Plus(DateTimeOffset moment, long ticks) => moment.AddTicks(ticks);

    private static BsonDocument Entry(DateTimeOffset wall) => new()
    {
        { "ts", new BsonTimestamp((int)wall.ToUnixTimeSeconds(), 10) },
        { "wall", new BsonDateTime(wall.ToUnixTimeMilliseconds()) },
    };

    private static SnapshotManifest[] History()
    {
        var slice = Slice("s1", 100, 200);
        slice.ConsistentAt = new ConsistencyPoint(new OplogTimestamp(200, 1), LastWall);
        return [Full("f", 100), slice];
    }

    [Theory]
    [InlineData(9_334, 0)]      // [DateTimeOffset]::UtcNow 0.93 ms after the write: .5119334 is .511
    [InlineData(1, 0)]          // one tick into the millisecond
    [InlineData(9_999, 0)]      // the last tick of the millisecond
    [InlineData(-1, -1)]        // one tick before it: the millisecond before, .510
    [InlineData(10_000, 1)]     // the next millisecond, exactly
    public void A_moment_is_truncated_to_its_millisecond(long ticksAfterWall, int expectedMilliseconds)
    {
        var limit = OplogLimit.AtWallTime(Plus(LastWall, ticksAfterWall));

        Assert.Equal(LastWall.AddMilliseconds(expectedMilliseconds), limit.WallTime);
        Assert.Equal(0, limit.WallTime!.Value.UtcTicks % TimeSpan.TicksPerMillisecond);
    }

    [Fact]
    public void Truncation_keeps_the_offset_the_moment_was_given_in_and_goes_toward_the_past()
    {
        var newYork = Plus(LastWall, 9_334).ToOffset(TimeSpan.FromHours(-5));

        var wall = OplogLimit.AtWallTime(newYork).WallTime!.Value;

        Assert.Equal(TimeSpan.FromHours(-5), wall.Offset);
        Assert.Equal(LastWall, wall);
        Assert.Equal("2026-01-01 00:03:20.511Z (2025-12-31 19:03:20.511 -05:00)", OplogLimit.AtWallTime(newYork).ToString());
        // Before 1970 too: toward the past, not toward zero.
        var early = new DateTimeOffset(1969, 12, 31, 23, 59, 59, 999, TimeSpan.Zero).AddTicks(5_000);
        Assert.Equal(new DateTimeOffset(1969, 12, 31, 23, 59, 59, 999, TimeSpan.Zero), OplogLimit.ToMillisecond(early));
    }

    [Fact]
    public void A_moment_with_sub_millisecond_digits_in_the_last_entrys_millisecond_is_inside_the_window_and_includes_that_entry()
    {
        var limit = OplogLimit.AtWallTime(Plus(LastWall, 9_334));

        var window = RestoreWindows.Choose(History(), limit, new NamespaceFilter(null), "repo");

        Assert.Equal("f", window.BaseSnapshot.Id);
        Assert.Equal(LastWall, window.ToWallTime);
        Assert.True(limit.IsWithin(new ConsistencyPoint(window.To, window.ToWallTime)));
        Assert.False(limit.IsBeyond(Entry(LastWall)));
    }

    [Fact]
    public void Every_entry_of_the_moments_millisecond_is_included_even_one_written_a_fraction_of_it_later()
    {
        // The moment was taken 0.4 ms before a write that the server logged with the same millisecond wall time
        // (MongoDB's wall times have no finer digits): the moment names that millisecond, and all of it is restored.
        var moment = Plus(LastWall, 2_000); // .5112; the write happened at .5116 and is logged as .511
        var limit = OplogLimit.AtWallTime(moment);

        Assert.False(limit.IsBeyond(Entry(LastWall)));
        Assert.True(limit.IsBeyond(Entry(LastWall.AddMilliseconds(1))));
        // One tick before the millisecond is the millisecond before: the entry is after it.
        Assert.True(OplogLimit.AtWallTime(Plus(LastWall, -1)).IsBeyond(Entry(LastWall)));
    }

    [Fact]
    public void A_moment_in_the_millisecond_after_the_window_is_refused_naming_that_millisecond_not_the_windows_end()
    {
        var limit = OplogLimit.AtWallTime(Plus(LastWall, 10_004), m => $"-PointInTime was read as {OplogLimit.InUtc(m)}");

        var error = Assert.Throws<MongoBackupException>(() =>
            RestoreWindows.Choose(History(), limit, new NamespaceFilter(null), "repo"));

        Assert.Equal(ErrorIds.OutsideRestoreWindow, error.ErrorId);
        Assert.StartsWith("-PointInTime was read as 2026-01-01 00:03:20.512Z. That moment is outside every restore window", error.Message);
        Assert.Contains("no oplog slice reaches past 2026-01-01 00:03:20.511Z", error.Message);
    }

    [Fact]
    public void The_reading_is_given_the_moment_as_compared()
    {
        var limit = OplogLimit.AtWallTime(Plus(LastWall, 9_334), m => m.ToString("HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal("00:03:20.5110000", limit.Reading);
    }
}

// Package commitlog is a Kafka-style partition log: record batches in
// segments with sparse offset and time indexes, on an in-memory backend or on
// files, with retention, compaction, replica truncation driven by a
// leader-epoch cache, idempotent-producer deduplication, transactions, and
// crash recovery. It knows nothing about simulation: time comes from an
// injected Clock and all file access goes through vfs.FS.
//
// # Using a log
//
// A leader appends batches built with a BatchBuilder:
//
//	l, _ := commitlog.OpenMemory(commitlog.Config{Clock: now})
//	var bb commitlog.BatchBuilder
//	bb.Reset(commitlog.BatchHeader{})
//	bb.Add(tsMillis, key, value, nil)
//	batch, _ := bb.Build()
//	res, _ := l.Append(batch, leaderEpoch) // res.FirstOffset, res.LastOffset
//
// A follower fetches raw batches from the leader and appends them as they
// are, keeping offsets, epochs and producer ids:
//
//	r, _ := leader.Read(follower.LogEndOffset(), commitlog.ReadOptions{MaxBytes: 1 << 20})
//	follower.AppendReplicated(r.Data)
//
// A consumer reads up to the high watermark (or the last stable offset for
// read_committed) and walks the batches and records without allocating:
//
//	r, _ := l.Read(off, commitlog.ReadOptions{MaxBytes: 1 << 20, Upto: commitlog.UptoHighWatermark})
//	it := commitlog.Batches(r.Data)
//	var rr commitlog.RecordReader
//	for it.Next() {
//		rr.Reset(it.Batch())
//		for rr.Next() { rec := rr.Record(); _ = rec.Offset }
//	}
//
// # Storage contract
//
// A Log has a single writer and any number of concurrent readers: Append,
// AppendReplicated, TruncateTo, retention, compaction and Close must not be
// called concurrently with each other; reads and the accessors may be called
// from any goroutine at any time. (The simulator is single-threaded; the
// race-detector tests exercise one writer with concurrent readers.)
//
// Offsets: every record has an offset; offsets in the log are strictly
// increasing but may have gaps (after compaction). LogStartOffset <=
// HighWatermark <= LogEndOffset always holds, and LastStableOffset <=
// HighWatermark.
//
//   - Append(b, epoch) assigns offsets [LogEndOffset, LogEndOffset+n) to the
//     n records of b, stamps the partition leader epoch, and returns the first
//     and last offset. It writes the base offset and epoch into b's header in
//     place (neither is covered by the CRC). For an idempotent producer a
//     batch already appended (same producer id, epoch and sequence range among
//     the last 5 batches) is not appended again: the original offsets come back
//     with Duplicate set. A sequence that does not follow the last one returns
//     ErrOutOfOrderSequence; an epoch older than the producer's current one
//     returns ErrInvalidProducerEpoch.
//   - AppendReplicated(data) appends whole batches exactly as given. Each
//     must pass its CRC, start at or after LogEndOffset and carry a leader
//     epoch no older than LatestEpoch; otherwise ErrCorruptRecord or
//     ErrInvalidRecord and nothing from data after the bad batch is appended.
//     AppendReplicatedShared(data) does the same for data its caller never
//     writes again (a memory log's ReadResult.Data read without a Buf): a
//     memory log then stores a reference to data's bytes, not a copy.
//   - Read(offset, opts) returns whole batches starting with the one that
//     contains offset, at most opts.MaxBytes of declared size except that the
//     first batch is returned whole even if larger (as Kafka does) unless
//     opts.Strict. It returns ErrOffsetOutOfRange when offset is below
//     LogStartOffset or above LogEndOffset, and no data (not an error) when
//     offset equals the bound chosen by opts.Upto. Data is read-only: on the
//     memory backend it aliases the log's storage, which is never rewritten,
//     so it stays valid forever.
//   - TruncateTo(offset) removes every batch that contains an offset >=
//     offset; LogEndOffset becomes offset or the base offset of the first
//     removed batch, whichever is lower. The epoch cache, producer state and
//     transaction state are rolled back to match. An offset inside the gaps
//     compaction leaves may end the log past its last batch; a new, empty
//     active segment then starts at the log end, so that the log reopens
//     (cleanly or after a crash) with the same end and the offsets in the
//     gap are never given out again.
//   - The leader-epoch cache maps each epoch to the first offset written in
//     it. EndOffsetForEpoch follows KIP-101/KIP-279: for the latest epoch it
//     returns LogEndOffset; otherwise the start offset of the next larger
//     epoch, paired with the largest epoch <= the requested one; (-1, -1) when
//     the requested epoch is newer than every known one.
//   - Retention and DeleteRecordsBefore only remove data below the high
//     watermark, and only whole segments (DeleteRecordsBefore also moves
//     LogStartOffset inside a segment). Compaction only rewrites segments
//     entirely below both the active segment and the last stable offset,
//     and removes those it leaves without a batch, but the first.
//
// Durability (file backend): data is durable once synced, as chosen by
// Config.Flush, or after Sync or Close. Appends reach the file in aligned
// 64 KiB chunks (the tail in between is buffered and served to readers), so
// without a sync a process crash may lose up to one chunk that a plain
// write would have left in the page cache. On Open after an unclean shutdown the
// segments after the recovery point are rescanned batch by batch; the log is
// cut at the first invalid batch (torn, failing its CRC, out of offset
// order, after an offset gap above the cleaner checkpoint, or with a leader
// epoch that disagrees with the leader-epoch-checkpoint), and indexes, the
// epoch cache, producer state and the transaction index are rebuilt or
// trimmed to the new end. Log.Recovery reports what was scanned and dropped.
// Damage below the recovery point, or in a cleanly shut down log, is not
// repaired by dropping data: Open refuses with a *CorruptionError and leaves
// the directory unchanged. No batch that fails its CRC is ever returned by
// Read; one met later is a *CorruptionError, which is also ErrStorage.
//
// Offsets are contiguous (each batch starts where the one before ended, each
// segment where the one before ended, the first at the log start offset)
// except below the cleaner checkpoint, where compaction leaves gaps. Verify
// checks this and everything else about a directory without changing it.
//
// # Sized records
//
// To simulate at scale, a record's value may be mostly virtual: a batch
// built with BatchHeader.SizedValues stores for each record the declared
// value size and a real prefix (say a 16-byte message id), and the batch
// header carries the total number of elided bytes. Every size that matters —
// segment rolling, index intervals, retention by size, Read's MaxBytes,
// reported sizes — counts the declared size (Batch.Size), while memory and
// disk hold only the real bytes (Batch.StoredSize). RecordReader gives each
// record's declared ValueSize and its real Value prefix.
//
// A sized batch may also end with records that are declared only
// (BatchBuilder.AddElided): they take offsets (the last offset delta
// counts them) and their encoded bytes (RecordBytes) count as elided
// bytes, but the record count holds only the stored records, as after
// compaction, and a RecordReader does not see them. They are for records
// nothing will read back whose bytes still count.
//
// # Byte format
//
// A segment's data file (and a memory segment) is a sequence of record
// batches, the Kafka v2 format plus one optional field. Integers are
// big-endian; varints are zig-zag (as Kafka's).
//
//	 0                   8           12          16  17          21
//	+-------------------+-----------+-----------+---+-----------+
//	| base offset  i64  | length i32| ldr epoch | 2 |  crc u32  |
//	+-------------------+-----------+-----------+---+-----------+
//	 21     23          27                  35                  43
//	+------+-----------+-------------------+-------------------+
//	| attr | last delta|  base timestamp   |  max timestamp    |
//	+------+-----------+-------------------+-------------------+
//	 43                  51   53          57          61
//	+-------------------+----+-----------+-----------+
//	|  producer id      | ep | base seq  | rec count |
//	+-------------------+----+-----------+-----------+
//	 61 (only when attr has SizedValues)
//	+-------------------+
//	| elided bytes i64  |  then the records, compressed as attr says
//	+-------------------+
//
//	length   = bytes after the length field (stored size - 12)
//	crc      = CRC-32C (Castagnoli) of bytes 21 .. end
//	attr     = bits 0-2 codec (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd),
//	           3 log-append time, 4 transactional, 5 control,
//	           7 sized values (bit 6 is reserved, as in Kafka)
//	record   = varint length, i8 attributes, varint timestamp delta,
//	           varint offset delta, varint key length (-1 null), key,
//	           value, varint header count, headers
//	value    = varint length (-1 null), bytes;  in a sized batch:
//	           varint declared length (-1 null), varint prefix length, prefix
//	header   = varint key length, key, varint value length (-1 null), value
//
// A control batch (attr bits 4 and 5) holds one record whose key is
// i16 version 0, i16 type (0 abort, 1 commit) and whose value is i16 version 0,
// i32 coordinator epoch.
//
// Files in a log directory (file backend), all named by a 20-digit offset:
//
//	00000000000000000000.log        batches
//	00000000000000000000.index      40-byte header (magic, version, next offset,
//	                                declared size, max timestamp, batch count),
//	                                8-byte entries (u32 relative offset, u32
//	                                position), CRC-32C of all before it
//	00000000000000000000.timeindex  same header, 12-byte entries (i64 largest
//	                                timestamp so far, u32 relative offset), CRC
//	00000000000000000000.txnindex   aborted transactions: pid, first, last, lso (4 x i64),
//	                                then a CRC-32C (seeded with "txnindex")
//	00000000000000000000.snapshot   producer state as of that offset
//	leader-epoch-checkpoint         "0\n<n>\n<epoch> <start offset>\n" ...
//	log-start-offset                "<offset>\n": the log start offset, once not 0
//	recovery-point                  "<offset>\n": segments below it are known synced
//	cleaner-offset-checkpoint       "<offset>\n": offsets below it may have gaps
//	clean-shutdown                  "clean <log end offset>\n", only after a clean Close
//
// Index entries are written every IndexIntervalBytes of declared size; a
// lookup binary-searches the index and scans forward over batch headers.
// Index files are written when a segment rolls and on Close; on an unclean
// restart the index of the active segment is rebuilt from its data.
package commitlog

// Package check is the delivery checker every simulated system shares: it
// knows a message only by its id (producer instance, partition, sequence),
// its key and its produce time, and judges what consumers did with what
// producers were told.
//
// A system calls Ack when a producer is told a message was written,
// Processed when a consuming group finishes one, Handled when a group deals
// with one without processing it (dead letters, a skip policy), and at the
// end Settle with the ids still reachable ahead of the group (PendingIDs
// reads them from a log). The words mean the same for every system:
//
//   - lost: acknowledged, never processed, and no longer reachable;
//   - unseen: acknowledged, not processed, still waiting for the group;
//   - duplicates: processings beyond the first of one message;
//   - reordered: processed after a later message of the same producer and
//     key (send order: the sequence within a partition, the produce time
//     across partitions).
//
// Sequences one producer gives one partition are dense from 0, so a
// Ledger is a bitmap per (producer, partition): one bit per message.
//
// Files:
//
//	checker.go  Ledger (the id set), Checker (the ledger of acks and
//	            processings and its verdicts), PendingIDs
//	record.go   how a message's id, produce time and key travel in a
//	            record: AppendID, ReadID, AppendKey, ReadKey
package check

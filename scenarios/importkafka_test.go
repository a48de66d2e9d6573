package scenarios

import (
	"errors"
	"testing"
)

func TestParseTopicsDescribeSpaces(t *testing.T) {
	// Copied from a terminal, the tabs are often spaces: the fields still
	// read, and a partition's Leader "none" is no leader.
	text := "Topic: t PartitionCount: 2 ReplicationFactor: 2 Configs: segment.bytes=1048576\n" +
		"  Topic: t Partition: 0 Leader: none Replicas: 4,5 Isr: \n" +
		"  Topic: t Partition: 1 Leader: 5 Replicas: 5,4 Isr: 5,4\n"
	got, err := ParseTopicsDescribe("d", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].PartitionCount != 2 || got[0].ReplicationFactor != 2 || len(got[0].Partitions) != 2 {
		t.Fatalf("parsed %+v", got)
	}
	p0, p1 := got[0].Partitions[0], got[0].Partitions[1]
	if p0.Leader != -1 || len(p0.ISR) != 0 || p1.Leader != 5 || len(p1.ISR) != 2 || got[0].Configs[0] != (Property{"segment.bytes", "1048576", 1}) {
		t.Errorf("partitions %+v %+v configs %+v", p0, p1, got[0].Configs)
	}
	if _, err := ParseTopicsDescribe("d", []byte(text+"  Topic: t Partition: 2 Leader: 5 Replicas: 5 Isr: 5\n")); err == nil {
		t.Error("partition 2 of a 2-partition topic accepted")
	}
}

func FuzzParseDescribe(f *testing.F) {
	f.Add("Topic: a\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: \n\tTopic: a\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0\n")
	f.Add("GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID\ng t 0 1 2 1 c h id\n")
	f.Fuzz(func(t *testing.T, s string) {
		for _, parse := range []func() error{
			func() error { _, err := ParseTopicsDescribe("f", []byte(s)); return err },
			func() error { _, err := ParseGroupsDescribe("f", []byte(s)); return err },
		} {
			if err := parse(); err != nil {
				var ie *InputError
				if !errors.As(err, &ie) {
					t.Fatalf("error %v is not an *InputError", err)
				}
			}
		}
	})
}

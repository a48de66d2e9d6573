package kafka

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"mqsim/scenarios"
)

// Every setting of the scenario schema is implemented or refused: for each
// field (found by reflection, so a new field cannot be forgotten) a pair of
// runs that differ only in that field give different results, or the
// value is refused at validation naming the field. Fields that describe
// rather than configure (names, labels, expect) are listed with why.
//
// Each pair is a built-in scenario, shortened where its story allows, and
// the same with one --set; "different results" compares every number of
// Results. The variant values are chosen so the mechanism must act: a
// larger value where the base is at its limit, a smaller one where it is
// the bottleneck.

// fieldBase is a short run of a built-in scenario.
type fieldBase struct {
	name string
	sets []string
}

var (
	fbBaseline = fieldBase{"baseline", []string{"duration=3s"}}
	fbSlow     = fieldBase{"slow-consumer", []string{"duration=3s"}}
	fbBroker   = fieldBase{"broker-failure", []string{"duration=14s", "faults.0.at=4s", "faults.0.duration=6s"}}
	fbPoison   = fieldBase{"poison-message", []string{"duration=4s"}}
	fbRetryTop = fieldBase{"retry-topics", []string{"duration=8s"}}
	fbMeta     = fieldBase{"metastable-queue", []string{"duration=12s"}}
	fbAuto     = fieldBase{"backpressure-autoscale", []string{"duration=10s"}}
	fbDrop     = fieldBase{"backpressure-drop", []string{"duration=4s"}}
	fbBlock    = fieldBase{"backpressure-block", []string{"duration=3s"}}
	fbThrottle = fieldBase{"backpressure-throttle", []string{"duration=3s"}}
	fbLost     = fieldBase{"lost-response", []string{"duration=8s"}}
	fbSlowB    = fieldBase{"slow-batch", []string{"duration=14s", "faults.0.at=3s", "faults.0.duration=6s"}}
	fbIsolate  = fieldBase{"leader-isolation", []string{"duration=20s", "faults.0.at=3s", "faults.0.duration=12s"}}
	fbRetain   = fieldBase{"retention-loss", []string{}}
	// broker-failure in full: the crashed broker is fenced (9s) and leaves
	// the ISR, so min.insync.replicas and the delivery timeout act; its
	// topic takes the cluster's min.insync.replicas (its own line removed
	// from the file: 0 is refused, and --set cannot unset a field).
	fbBrokerFull = fieldBase{"broker-failure", []string{"-topics.min_insync_replicas"}}
	fbBrokerRT   = fieldBase{"broker-failure", []string{"producers.0.request_timeout=1s"}}
	fbBaseAuto   = fieldBase{"baseline", []string{"duration=3s", "consumer_groups.0.commit=auto"}}
	fbBaseLZ4    = fieldBase{"baseline", []string{"duration=3s", "producers.0.compression=lz4", "producers.0.compression_ratio=2"}}
	fbRetainPC   = fieldBase{"retention-loss", []string{"cluster.hardware.page_cache=64KB"}}
	fbCrash      = fieldBase{"consumer-crash", []string{"duration=14s"}}
	fbStorm      = fieldBase{"retry-storm", []string{"duration=14s", "faults.*.at=3s"}}
	fbCtl        = fieldBase{"controller-failover", []string{"duration=25s"}}
	// broker-failure with the machine lost: the group's coordinator was on
	// it, and requests to it go unanswered until they time out.
	fbBrokerMachine = fieldBase{"broker-failure", []string{"duration=25s", "faults.0.lose_page_cache=true"}}
	// A 10 MB page cache: 1 MB background threshold, 2 MB dirty limit, so
	// write-back runs all the time (baseline writes about 2.6 MB/s per
	// broker); with a 1 MB/s disk the limit holds writers back.
	fbSmallPC  = fieldBase{"baseline", []string{"duration=3s", "cluster.hardware.page_cache=10MB"}}
	fbDiskBind = fieldBase{"baseline", []string{"duration=3s", "cluster.hardware.page_cache=10MB", "cluster.hardware.disk_write=1MB/s"}}
	fbWakeUp   = fieldBase{"baseline", []string{"duration=3s", "cluster.hardware.dirty_writeback=1s"}}
	fbExpire   = fieldBase{"baseline", []string{"duration=3s", "cluster.hardware.dirty_expire=1s"}}
	fbFsync    = fieldBase{"baseline", []string{"duration=3s", "cluster.flush_messages=1"}}
	// Clients whose records cost 200 µs each: half a core per producer.
	fbClientCPU = fieldBase{"baseline", []string{"duration=3s", "client_hardware.cpu_per_record=200us"}}
	fbGC        = fieldBase{"baseline", []string{"duration=3s", "cluster.gc_pause=20ms"}}
	// kafka-share-group with its stall's lock expiry inside the drain; with
	// a crash instead (the member is removed after the session timeout);
	// with 20 s jobs under a 15 s lock (every delivery expires).
	fbShare      = fieldBase{"kafka-share-group", []string{"duration=25s", "drain=30s"}}
	fbShareCrash = fieldBase{"kafka-share-group", []string{"duration=25s", "drain=30s", "faults.0.type=consumer-crash"}}
	fbShareSlow  = fieldBase{"kafka-share-group", []string{"duration=21s", "drain=40s", "producers.0.rate=1/s", "consumer_groups.0.processing=const(20s)", "consumer_groups.0.share.record_lock_duration=15s"}}
	// Transactions (txn*.go): a transactional pipeline with a crash and a
	// coordinator failover; the delivery-guarantee pipeline; a hanging
	// transaction.
	fbEOS  = fieldBase{"exactly-once-pipeline", nil}
	fbDG   = fieldBase{"delivery-guarantees", nil}
	fbHang = fieldBase{"hanging-transaction", nil}
	// A transactional plain producer (txn_producer.go): crashed and
	// restarted; crashed for good (its transaction hangs to the timeout).
	fbTP     = fieldBase{"transactional-producer", nil}
	fbTPHang = fieldBase{"transactional-producer", []string{"faults.0.duration=0s"}}
	// Kafka halves of the multi-region and multi-tenant built-ins (mirror.go, quota.go).
	fbGeo   = fieldBase{"geo-replication-region-loss", []string{"system=kafka"}}
	fbNoisy = fieldBase{"noisy-tenant", []string{"system=kafka", "duration=8s"}}
)

// fieldEffect is one field's pair: base, and base with set.
type fieldEffect struct {
	base fieldBase
	set  string
}

var fieldEffects = map[string]fieldEffect{
	"consumer_groups.type":                             {fbShare, "consumer_groups.0.type=consumer"},
	"consumer_groups.share.record_lock_duration":       {fbShare, "consumer_groups.0.share.record_lock_duration=15s"},
	"consumer_groups.share.delivery_count_limit":       {fbShareSlow, "consumer_groups.0.share.delivery_count_limit=2"},
	"consumer_groups.share.partition_max_record_locks": {fbShare, "consumer_groups.0.share.partition_max_record_locks=1000"},
	"consumer_groups.share.session_timeout":            {fbShareCrash, "consumer_groups.0.share.session_timeout=10s"},
	"consumer_groups.share.heartbeat_interval":         {fbShare, "consumer_groups.0.share.heartbeat_interval=1s"},
	"consumer_groups.isolation_level":                  {fbEOS, "consumer_groups.1.isolation_level=read_uncommitted"},
	"consumer_groups.pipeline.transactional_id":        {fbEOS, "consumer_groups.0.pipeline.transactional_id=orders-tx"},
	"consumer_groups.pipeline.commit_interval":         {fbEOS, "consumer_groups.0.pipeline.commit_interval=1s"},
	"consumer_groups.pipeline.transaction_timeout":     {fbHang, "consumer_groups.0.pipeline.transaction_timeout=20s"},
	"producers.transactional_id":                       {fbTP, "producers.0.transactional_id=payments-tx"},
	"producers.transaction.commit_interval":            {fbTP, "producers.0.transaction.commit_interval=1s"},
	"producers.transaction.abort_ratio":                {fbTP, "producers.0.transaction.abort_ratio=50%"},
	"producers.transaction.transaction_timeout":        {fbTPHang, "producers.0.transaction.transaction_timeout=5s"},
	"cluster.transaction_version":                      {fbTP, "cluster.transaction_version=2"},
	"mirror.emit_checkpoints_interval":                 {fbGeo, "mirror.emit_checkpoints_interval=5s"},
	"mirror.offset_lag_max":                            {fbGeo, "mirror.offset_lag_max=5000"},
	"mirror.separator":                                 {fbGeo, "mirror.separator=_"},
	"mirror.wan_latency":                               {fbGeo, "mirror.wan_latency=10ms"},
	"mirror.wan_bandwidth":                             {fbGeo, "mirror.wan_bandwidth=1MB"},
	"quotas.window_num":                                {fbNoisy, "quotas.window_num=30"},
	"quotas.window_size":                               {fbNoisy, "quotas.window_size=3s"},
	"quotas.clients.client_id":                         {fbNoisy, "quotas.clients.0.client_id=acme"},
	"quotas.clients.producer_byte_rate":                {fbNoisy, "quotas.clients.0.producer_byte_rate=20MB"},
	"quotas.clients.request_percentage":                {fbNoisy, "quotas.clients.0.request_percentage=0.1"},
	"guarantee":                                        {fbDG, "guarantee=exactly-once"},
	"seed":                                             {fbBaseline, "seed=2"},
	"duration":                                         {fbBaseline, "duration=4s"},
	"warmup":                                           {fbBaseline, "warmup=1s"},
	"drain":                                            {fbSlow, "drain=1s"},
	"sample_interval":                                  {fbBaseline, "sample_interval=500ms"},

	"cluster.brokers":                                {fbBaseline, "cluster.brokers=4"},
	"cluster.profile":                                {fbBaseline, "cluster.profile=hdd-1g"},
	"cluster.hardware.nic_in":                        {fbBaseline, "cluster.hardware.nic_in=10MB/s"},
	"cluster.hardware.nic_out":                       {fbBaseline, "cluster.hardware.nic_out=10MB/s"},
	"cluster.hardware.disk_write":                    {fbSmallPC, "cluster.hardware.disk_write=1MB/s"},
	"cluster.hardware.dirty_ratio":                   {fbDiskBind, "cluster.hardware.dirty_ratio=50%"},
	"cluster.hardware.dirty_background_ratio":        {fbSmallPC, "cluster.hardware.dirty_background_ratio=15%"},
	"cluster.hardware.dirty_expire":                  {fbWakeUp, "cluster.hardware.dirty_expire=1s"},
	"cluster.hardware.dirty_writeback":               {fbExpire, "cluster.hardware.dirty_writeback=1s"},
	"cluster.hardware.fsync_latency":                 {fbFsync, "cluster.hardware.fsync_latency=10ms"},
	"cluster.flush_messages":                         {fbBaseline, "cluster.flush_messages=1"},
	"cluster.flush_interval":                         {fbBaseline, "cluster.flush_interval=500ms"},
	"client_profile":                                 {fbBaseline, "client_profile=client-1g"},
	"cluster.gc_pause":                               {fbBaseline, "cluster.gc_pause=50ms"},
	"cluster.tls":                                    {fbBaseline, "cluster.tls=true"},
	"cluster.gc_pause_interval":                      {fbGC, "cluster.gc_pause_interval=200ms"},
	"client_hardware.nic":                            {fbBaseline, "client_hardware.nic=10MB/s"},
	"client_hardware.cores":                          {fbClientCPU, "client_hardware.cores=1"},
	"client_hardware.cpu_per_record":                 {fbBaseline, "client_hardware.cpu_per_record=100us"},
	"client_hardware.cpu_per_mb":                     {fbBaseline, "client_hardware.cpu_per_mb=10ms"},
	"client_hardware.cpu_per_request":                {fbBaseline, "client_hardware.cpu_per_request=1ms"},
	"producers.compression":                          {fbBaseLZ4, "producers.0.compression=gzip"},
	"cluster.hardware.cpu_per_record":                {fbBaseline, "cluster.hardware.cpu_per_record=1ms"},
	"cluster.hardware.disk_read":                     {fbRetainPC, "cluster.hardware.disk_read=100KB/s"},
	"cluster.hardware.page_cache":                    {fbRetain, "cluster.hardware.page_cache=1MB"},
	"cluster.hardware.cpu_threads":                   {fbBaseline, "cluster.hardware.cpu_threads=1"},
	"cluster.hardware.cpu_per_request":               {fbBaseline, "cluster.hardware.cpu_per_request=1ms"},
	"cluster.hardware.cpu_per_mb":                    {fbBaseline, "cluster.hardware.cpu_per_mb=100ms"},
	"cluster.hardware.network_latency":               {fbBaseline, "cluster.hardware.network_latency=5ms"},
	"cluster.hardware.network_jitter":                {fbBaseline, "cluster.hardware.network_jitter=100us"},
	"cluster.hardware.nic_queue":                     {fbBaseline, "cluster.hardware.nic_queue=fifo"},
	"cluster.hardware.disk_seek":                     {fbDiskBind, "cluster.hardware.disk_seek=50ms"},
	"cluster.hardware.network_latency_dist":          {fbBaseline, "cluster.hardware.network_latency_dist=lognormal(median=150us, p99=5ms)"},
	"cluster.replica_lag_time_max":                   {fbBroker, "cluster.replica_lag_time_max=2s"},
	"cluster.replica_fetch_wait_max":                 {fbBaseline, "cluster.replica_fetch_wait_max=50ms"},
	"cluster.replica_fetch_min_bytes":                {fbBaseline, "cluster.replica_fetch_min_bytes=4KB"},
	"cluster.replica_fetch_max_bytes":                {fbBroker, "cluster.replica_fetch_max_bytes=1KB"},
	"cluster.num_replica_fetchers":                   {fbBaseline, "cluster.num_replica_fetchers=4"},
	"cluster.min_insync_replicas":                    {fbBrokerFull, "cluster.min_insync_replicas=3"},
	"cluster.unclean_leader_election":                {fieldBase{"unclean-election", nil}, "cluster.unclean_leader_election=false"},
	"cluster.transient_error_rate":                   {fbBaseline, "cluster.transient_error_rate=5%"},
	"cluster.retention_check_interval":               {fbRetain, "cluster.retention_check_interval=1h"},
	"cluster.truncation":                             {fieldBase{"hw-truncation-leader-epoch", nil}, "cluster.truncation=high-watermark"},
	"cluster.broker_session_timeout":                 {fbBroker, "cluster.broker_session_timeout=3s"},
	"cluster.election_cost":                          {fbBroker, "cluster.election_cost=500ms"},
	"cluster.broker_heartbeat_interval":              {fbBroker, "cluster.broker_heartbeat_interval=5s"},
	"cluster.controller_quorum_voters":               {fbCtl, "cluster.controller_quorum_voters=1"},
	"cluster.controller_quorum_election_timeout":     {fbCtl, "cluster.controller_quorum_election_timeout=3s"},
	"cluster.controller_quorum_election_backoff_max": {fbCtl, "cluster.controller_quorum_election_backoff_max=100ms"},
	"cluster.offsets_topic_replication_factor":       {fbBaseline, "cluster.offsets_topic_replication_factor=1"},
	"consumer_groups.coordinator_request_timeout":    {fbBrokerMachine, "consumer_groups.0.coordinator_request_timeout=1s"},
	"topics.partitions":                              {fbBaseline, "topics.0.partitions=3"},
	"topics.replication_factor":                      {fbBaseline, "topics.0.replication_factor=2"},
	"topics.min_insync_replicas":                     {fbBrokerFull, "topics.0.min_insync_replicas=3"},
	"topics.retention":                               {fbRetain, "topics.0.retention=1h"},
	"topics.retention_bytes":                         {fbRetain, "topics.0.retention_bytes=100KB"},
	"topics.segment_bytes":                           {fbRetain, "topics.0.segment_bytes=64MB"},
	"topics.max_message_bytes":                       {fbBaseline, "topics.0.max_message_bytes=2KB"},
	"producers.instances":                            {fbBaseline, "producers.0.instances=1"},
	"producers.rate":                                 {fbBaseline, "producers.0.rate=4K/s"},
	"producers.arrival":                              {fbBaseline, "producers.0.arrival=constant"},
	"producers.keys":                                 {fbBaseline, "producers.0.keys=none"},
	"producers.message_size":                         {fbBaseline, "producers.0.message_size=1KB"},
	"producers.acks":                                 {fbBaseline, "producers.0.acks=1"},
	"producers.batch_size":                           {fbBaseline, "producers.0.batch_size=600B"},
	"producers.linger":                               {fbBaseline, "producers.0.linger=0"},
	"producers.compression_ratio":                    {fbBaseLZ4, "producers.0.compression_ratio=4"},
	"producers.max_in_flight":                        {fbLost, "producers.0.max_in_flight=1"},
	"producers.retries":                              {fbLost, "producers.0.retries=0"},
	"producers.retry_backoff":                        {fbLost, "producers.0.retry_backoff=500ms"},
	"producers.retry_backoff_max":                    {fbBroker, "producers.0.retry_backoff_max=5s"},
	"producers.delivery_timeout":                     {fbBrokerRT, "producers.0.delivery_timeout=1005ms"},
	"producers.request_timeout":                      {fbBroker, "producers.0.request_timeout=1s"},
	"producers.buffer_memory":                        {fbBlock, "producers.0.buffer_memory=4MB"},
	"producers.max_block":                            {fbBlock, "producers.0.max_block=1ms"},
	"producers.max_request_size":                     {fbBaseline, "producers.0.max_request_size=400B"},
	"producers.enable_idempotence":                   {fbLost, "producers.0.enable_idempotence=true"},
	"producers.buffer_full":                          {fbBlock, "producers.0.buffer_full=error"},
	"producers.rate_limit":                           {fbThrottle, "producers.0.rate_limit=1K/s"},
	"producers.rate_burst":                           {fbThrottle, "producers.0.rate_burst=5K"},
	"producers.drop.low_priority":                    {fbDrop, "producers.0.drop.low_priority=10%"},
	"producers.drop.lag_above":                       {fbDrop, "producers.0.drop.lag_above=100K"},
	"consumer_groups.consumers":                      {fbSlow, "consumer_groups.0.consumers=4"},
	"consumer_groups.processing":                     {fbBaseline, "consumer_groups.0.processing=exp(200us)"},
	"consumer_groups.max_poll_records":               {fbSlow, "consumer_groups.0.max_poll_records=10"},
	"consumer_groups.fetch_min_bytes":                {fbBaseline, "consumer_groups.0.fetch_min_bytes=64KB"},
	"consumer_groups.fetch_max_wait":                 {fbBaseline, "consumer_groups.0.fetch_max_wait=5ms"},
	"consumer_groups.max_partition_fetch_bytes":      {fbSlow, "consumer_groups.0.max_partition_fetch_bytes=1KB"},
	"consumer_groups.fetch_max_bytes":                {fbSlow, "consumer_groups.0.fetch_max_bytes=1KB"},
	"consumer_groups.commit":                         {fbBaseline, "consumer_groups.0.commit=auto"},
	"consumer_groups.auto_commit_interval":           {fbBaseAuto, "consumer_groups.0.auto_commit_interval=100ms"},
	"consumer_groups.assignment":                     {fbBaseline, "consumer_groups.0.assignment=roundrobin"},
	"consumer_groups.idempotent":                     {fbLost, "consumer_groups.0.idempotent=true"},
	"consumer_groups.session_timeout":                {fbCrash, "consumer_groups.*.session_timeout=20s"},
	"consumer_groups.heartbeat_interval":             {fbCrash, "consumer_groups.*.heartbeat_interval=500ms"},
	"consumer_groups.max_poll_interval":              {fbSlowB, "consumer_groups.*.max_poll_interval=1s"},
	"consumer_groups.initial_rebalance_delay":        {fbBaseline, "consumer_groups.0.initial_rebalance_delay=1s"},
	"consumer_groups.metadata_max_age":               {fieldBase{"add-partitions", nil}, "consumer_groups.*.metadata_max_age=1m"},
	"consumer_groups.static_membership":              {fbCrash, "consumer_groups.*.static_membership=true"},
	"producers.metadata_max_age":                     {fieldBase{"leader-isolation", nil}, "producers.0.metadata_max_age=5s"},

	"consumer_groups.failures.policy":             {fbPoison, "consumer_groups.0.failures.policy=skip"},
	"consumer_groups.failures.max_attempts":       {fbPoison, "consumer_groups.1.failures.max_attempts=2"},
	"consumer_groups.failures.backoff":            {fbPoison, "consumer_groups.1.failures.backoff=1s"},
	"consumer_groups.failures.dlq":                {fbPoison, "consumer_groups.1.failures.dlq=orders-rt-dlq"},
	"consumer_groups.failures.retry_topics.delay": {fbPoison, "consumer_groups.2.failures.retry_topics.0.delay=100ms"},

	"consumer_groups.autoscale.lag_above":     {fbAuto, "consumer_groups.0.autoscale.lag_above=1M"},
	"consumer_groups.autoscale.spin_up":       {fbAuto, "consumer_groups.0.autoscale.spin_up=100ms"},
	"consumer_groups.autoscale.check_every":   {fbAuto, "consumer_groups.0.autoscale.check_every=100ms"},
	"consumer_groups.autoscale.max_consumers": {fbAuto, "consumer_groups.0.autoscale.max_consumers=2"},

	"consumer_groups.downstream.timeout":     {fbMeta, "consumer_groups.*.downstream.timeout=10ms"},
	"consumer_groups.downstream.concurrency": {fbMeta, "consumer_groups.*.downstream.concurrency=2"},
	"consumer_groups.downstream.capacity":    {fbMeta, "consumer_groups.*.downstream.capacity=100/s"},
	"consumer_groups.downstream.handoff":     {fbMeta, "consumer_groups.0.downstream.handoff=log"},

	"consumer_groups.auto_offset_reset":           {fieldBase{"add-partitions", nil}, "consumer_groups.0.auto_offset_reset=earliest"},
	"consumer_groups.failures.poison_share":       {fbPoison, "consumer_groups.1.failures.poison_share=1%"},
	"consumer_groups.failures.backoff_max":        {fbPoison, "consumer_groups.1.failures.backoff_max=150ms"},
	"consumer_groups.failures.jitter":             {fbPoison, "consumer_groups.1.failures.jitter=50%"},
	"consumer_groups.failures.transient_rate":     {fbPoison, "consumer_groups.1.failures.transient_rate=5%"},
	"consumer_groups.downstream.queue":            {fbStorm, "consumer_groups.0.downstream.queue=100"},
	"consumer_groups.downstream.layers":           {fbStorm, "consumer_groups.0.downstream.layers=1"},
	"consumer_groups.downstream.attempts":         {fbStorm, "consumer_groups.0.downstream.attempts=1"},
	"consumer_groups.downstream.backoff":          {fbStorm, "consumer_groups.1.downstream.backoff=100ms"},
	"consumer_groups.downstream.retry_budget":     {fbStorm, "consumer_groups.1.downstream.retry_budget=50%"},
	"consumer_groups.downstream.requeue":          {fbMeta, "consumer_groups.0.downstream.requeue=false"},
	"consumer_groups.downstream.workers":          {fbStorm, "consumer_groups.0.downstream.workers=10"},
	"consumer_groups.downstream.handoff_capacity": {fbMeta, "consumer_groups.0.downstream.handoff_capacity=100"},
	"faults.broker":                               {fbLost, "faults.0.broker=1"},
	"faults.consumer":                             {fbSlowB, "faults.0.consumer=1"},
	"faults.count":                                {fieldBase{"add-partitions", nil}, "faults.0.count=8"},
	"faults.lose_page_cache":                      {fbBrokerFull, "faults.0.lose_page_cache=true"},
	"faults.at":                                   {fbBroker, "faults.0.at=5s"},
	"faults.duration":                             {fbBroker, "faults.0.duration=3s"},
	"faults.leader":                               {fbBroker, "faults.0.leader=orders/1"},
	"faults.slowdown":                             {fbSlowB, "faults.0.slowdown=5x"},
	"faults.share":                                {fbLost, "faults.0.share=50%"},
}

// fieldsDescriptive configure nothing: they name, describe or judge.
var fieldsDescriptive = map[string]string{
	"name":                  "the scenario's name, shown in reports",
	"system":                "selects the system; each system's behaviour is shown by its own tests",
	"compare":               "lists the systems a comparison file holds sections for; it changes validation, not a run",
	"description":           "the lesson in words",
	"expect":                "assertions judged on the results, not settings of the run",
	"topics.name":           "a name other fields refer to",
	"producers.name":        "a name, shown in results",
	"producers.topic":       "a reference to a topic by name (an unknown one is refused)",
	"consumer_groups.name":  "a name, shown in results",
	"consumer_groups.topic": "a reference to a topic by name (an unknown one is refused)",
	"consumer_groups.failures.retry_topics.topic": "a topic name (a clash is refused)",
	"faults.type":                     "selects the fault; each type's behaviour is shown by its own tests",
	"faults.label":                    "a label for plots",
	"cluster.hardware":                "the profile's numbers, each field listed on its own",
	"consumer_groups.pipeline.output": "a reference to a topic by name (an unknown one, the input, or one of another partition count is refused)",
}

// fieldsNotShown have no pair here yet; each is exercised by its own
// behaviour test where named. The list is the work left.
var fieldsNotShown = map[string]string{
	"faults.group":                         "in the built-ins another group's target overlaps a second fault, which validation refuses; the consumer fault tests target each group",
	"consumer_groups.failures.poison_keys": "a list, which --set cannot write: poison-message's groups",
	"faults.from":                          "a list, which --set cannot write: leader-isolation and TestLeaderIsolation*",
	"faults.topic":                         "target topic: add-partitions",
	"faults.service":                       "a service graph's fault target (system: services: TestNetworkPartitionTimesOutCalls); refused under Kafka",
	"faults.producer":                      "target of producer-crash: transactional-producer has one producer; TestTxnProducerCrashFences",
	"mirror.regions.name":                  "a list entry, which --set cannot add: TestMirrorCopiesEverything names regions; geo-replication-region-loss takes pulsar's",
	"mirror.regions.producers":             "a list, which --set cannot write: TestMirrorCopiesEverything, and validation of producers in two regions",
	"mirror.regions.groups":                "a list, which --set cannot write: TestMirrorCopiesEverything (billing-eu reads the remote topic)",
	"mirror.region_outages.region":         "a list entry, which --set cannot add: geo-replication-region-loss takes pulsar's outage; TestMirrorRegionLoss against TestMirrorCopiesEverything",
	"quotas.clients.consumer_byte_rate":    "noisy-tenant's quota entry is a producer's (a group's entry would need a second --set): TestFetchQuota with and without it",
	"mirror.region_outages.at":             "as mirror.region_outages.region",
	"mirror.region_outages.duration":       "as mirror.region_outages.region",
	"consumer_groups.pipeline.acks":        "guarantee sets it in delivery-guarantees (at-most-once: 0), which refuses a conflicting value; TestDeliveryGuaranteesOrder",
}

// otherSystems are the sections of other systems, whose settings their
// own packages check the same way (model/rabbitmq/fields_test.go).
var otherSystems = map[string]bool{"rabbitmq": true, "sqs": true, "celery": true, "event_sourcing": true, "services": true, "pulsar": true, "sns": true, "pubsub": true} // event_sourcing: model/eventsource's tests

// schemaFields lists every leaf field of the scenario schema by its YAML
// path (list indexes dropped).
func schemaFields() []string {
	var out []string
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		if path == ".sqs" || path == ".celery" {
			return // another system's section: model/sqs's tests show its settings
		}
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t.PkgPath() != "mqsim/scenarios" || t.Name() == "TimeDist" || t.Name() == "SizeDist" {
			out = append(out, strings.TrimPrefix(path, "."))
			return
		}
		for i := range t.NumField() {
			tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if tag != "" && tag != "-" && !otherSystems[tag] {
				walk(t.Field(i).Type, path+"."+tag)
			}
		}
	}
	walk(reflect.TypeOf(scenarios.Scenario{}), "")
	sort.Strings(out)
	return out
}

// loadWithout loads the built-in scenario name with sets, except that a
// set "-topics.KEY" removes every topic's KEY line from the file first:
// the way to leave a field unset, which --set cannot express.
func loadWithout(name string, sets []string) (*scenarios.LoadedScenario, error) {
	var drop []string
	keep := sets[:0:0]
	for _, s := range sets {
		if k, ok := strings.CutPrefix(s, "-topics."); ok {
			drop = append(drop, k)
		} else {
			keep = append(keep, s)
		}
	}
	if len(drop) == 0 {
		return scenarios.LoadScenario(name, sets)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "scenarios", "builtin", name+".yaml"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.SplitAfter(string(data), "\n") {
		k, _, _ := strings.Cut(strings.TrimSpace(line), ":")
		if !slices.Contains(drop, k) || !strings.HasPrefix(line, "    ") {
			out = append(out, line)
		}
	}
	if text := strings.Join(out, ""); text == string(data) {
		return nil, fmt.Errorf("%s: no line to remove for %v", name, drop)
	} else {
		return scenarios.ParseScenario(name+".yaml", []byte(text), keep)
	}
}

// TestEverySettingHasAnEffect always checks that every field of the schema
// is classified; the ≈ 100 pairs of runs (about 30 s on 2 cores) run when
// MQSIM_FIELD_EFFECTS=1 is set:
//
//	MQSIM_FIELD_EFFECTS=1 go test ./model/kafka -run TestEverySettingHasAnEffect
func TestEverySettingHasAnEffect(t *testing.T) {
	runPairs := os.Getenv("MQSIM_FIELD_EFFECTS") == "1" && !testing.Short()
	var (
		mu    sync.Mutex
		bases = map[string]*struct {
			once sync.Once
			out  string
			err  error
		}{}
	)
	runOf := func(name string, sets []string) (string, error) {
		l, err := loadWithout(name, sets)
		if err != nil {
			return "", err
		}
		r, err := Run(&l.Scenario, Options{})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%+v", *r), nil
	}
	baseOf := func(b fieldBase) (string, error) {
		key := b.name + " " + strings.Join(b.sets, " ")
		mu.Lock()
		e := bases[key]
		if e == nil {
			e = &struct {
				once sync.Once
				out  string
				err  error
			}{}
			bases[key] = e
		}
		mu.Unlock()
		e.once.Do(func() { e.out, e.err = runOf(b.name, b.sets) })
		return e.out, e.err
	}
	var notShown []string
	for _, f := range schemaFields() {
		if _, ok := fieldsDescriptive[f]; ok {
			continue
		}
		if why, ok := fieldsNotShown[f]; ok {
			notShown = append(notShown, f+" ("+why+")")
			continue
		}
		e, ok := fieldEffects[f]
		if !ok {
			t.Errorf("%s: a setting with no pair of runs showing its effect: add one to fieldEffects, or refuse it at validation", f)
			continue
		}
		if !runPairs {
			continue
		}
		t.Run(f, func(t *testing.T) {
			t.Parallel()
			base, err := baseOf(e.base)
			if err != nil {
				t.Fatalf("base %s %v: %v", e.base.name, e.base.sets, err)
			}
			got, err := runOf(e.base.name, append(append([]string{}, e.base.sets...), e.set))
			if err != nil {
				t.Fatalf("%s with --set %s: %v", e.base.name, e.set, err)
			}
			if got == base {
				t.Errorf("%s with --set %s gives the same results as without: the setting is ignored", e.base.name, e.set)
			}
		})
	}
	for f := range fieldEffects {
		if !slicesContains(schemaFields(), f) {
			t.Errorf("fieldEffects names %s, not a field of the schema", f)
		}
	}
	t.Logf("fields without a pair of runs yet (%d): %s", len(notShown), strings.Join(notShown, "; "))
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"mqsim/reports"
	"mqsim/scenarios"
)

// Inputs from outside mqsim for `mqsim run`: an OpenMessaging Benchmark
// workload (and driver) in place of a scenario, and Kafka configuration
// files whose properties set scenario fields.

// inputOptions are run's flags for outside inputs.
type inputOptions struct {
	ombWorkload    string
	ombDriver      string
	producerConfig string
	consumerConfig string
	brokerConfig   string
	kafka          []scenarios.KafkaSetting // read from the three config files
}

func addInputFlags(cmd *cobra.Command, o *inputOptions) {
	f := cmd.Flags()
	f.StringVar(&o.ombWorkload, "omb-workload", "", "run an OpenMessaging Benchmark workload file instead of a scenario")
	f.StringVar(&o.ombDriver, "omb-driver", "", "with --omb-workload: the benchmark's Kafka driver file (replication factor, topic, producer and consumer properties)")
	f.StringVar(&o.producerConfig, "producer-config", "", "apply a Kafka producer.properties file to every producer")
	f.StringVar(&o.consumerConfig, "consumer-config", "", "apply a Kafka consumer.properties file to every consumer group")
	f.StringVar(&o.brokerConfig, "broker-config", "", "apply a Kafka server.properties file to the cluster and its topics")
}

// load reads the configuration files (once) and notes on stderr the
// properties that cannot change a simulated result.
func (o *inputOptions) load(stderr io.Writer) error {
	if o.ombDriver != "" && o.ombWorkload == "" {
		return badInput(errors.New("--omb-driver needs --omb-workload"))
	}
	o.kafka = nil
	for _, c := range []struct{ path, role string }{
		{o.brokerConfig, scenarios.RoleBroker},
		{o.producerConfig, scenarios.RoleProducer},
		{o.consumerConfig, scenarios.RoleConsumer},
	} {
		if c.path == "" {
			continue
		}
		ks, err := scenarios.LoadKafkaConfig(c.path, c.role)
		if err != nil {
			return badInput(err)
		}
		for _, k := range ks {
			if k.Ignored != "" {
				fmt.Fprintf(stderr, "%s:%d: %s ignored: %s cannot change a simulated result\n", k.Source, k.Line, k.Key, k.Ignored)
			}
		}
		o.kafka = append(o.kafka, ks...)
	}
	return nil
}

// active reports whether any outside input is in use.
func (o *inputOptions) active() bool {
	return o.ombWorkload != "" || o.producerConfig != "" || o.consumerConfig != "" || o.brokerConfig != ""
}

// loadScenario loads what run simulates: the benchmark workload, or the
// named scenario with the configuration files applied before sets.
func (o *inputOptions) loadScenario(name string, sets []string) (*scenarios.LoadedScenario, error) {
	if o.ombWorkload != "" {
		return scenarios.LoadOMB(o.ombWorkload, o.ombDriver, o.kafka, sets)
	}
	if err := checkKind(scenarios.KindScenario, name); err != nil {
		return nil, err
	}
	return scenarios.LoadScenarioKafka(name, o.kafka, sets)
}

// args are the flags that reproduce these inputs on a command line.
func (o *inputOptions) args() []string {
	var parts []string
	for _, f := range []struct{ flag, v string }{
		{"--omb-workload", o.ombWorkload}, {"--omb-driver", o.ombDriver},
		{"--broker-config", o.brokerConfig}, {"--producer-config", o.producerConfig}, {"--consumer-config", o.consumerConfig},
	} {
		if f.v != "" {
			parts = append(parts, f.flag, reports.ShellQuote(f.v))
		}
	}
	return parts
}

// outOMB is run's -o omb: the benchmark's result JSON (an array of them
// for variants).
const outOMB = "omb"

var runOutputFormats = append(append([]string(nil), outputFormats...), outOMB)

func writeOMB(w io.Writer, runs []*reports.Run) error {
	if len(runs) == 1 {
		return reports.OMBJSON(w, runs[0])
	}
	all := make([]*reports.OMBResult, len(runs))
	for i, r := range runs {
		all[i] = reports.NewOMBResult(r)
	}
	data, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// loadComparable reads a saved run, or a benchmark result file as a
// measured run.
func loadComparable(path string) (*reports.Run, error) {
	// Read once, bounded, refusing pipes and devices, as every input is.
	data, err := scenarios.ReadInput(path, scenarios.MaxJSONSize, "a saved run (results.json) or a benchmark result")
	if err != nil {
		return nil, err
	}
	if reports.IsOMBResult(data) {
		return reports.ParseOMBResult(path, data)
	}
	r, _, err := reports.ParseSaved(path, data)
	return r, scenarios.LocateJSON(data, err)
}

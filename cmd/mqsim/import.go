package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"mqsim/reports"
	"mqsim/scenarios"
)

func init() {
	extraCommands = append(extraCommands, newImportCmd)
}

type importOptions struct {
	topics string // kafka-topics --describe output
	groups string // kafka-consumer-groups --describe output
}

func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Turn a real cluster's describe output into a scenario skeleton",
		Long: `Turn saved output of Kafka's describe commands into a scenario skeleton
(YAML on stdout): topics with partitions, replication factor and settings,
the brokers holding them (replica placement and ISR noted), and consumer
groups with their members and lag. Add a load (producers) and run it.`,
	}
	var o importOptions
	topics := &cobra.Command{
		Use:   "kafka-topics FILE",
		Short: "Import saved 'kafka-topics --describe' output",
		Example: `  kafka-topics.sh --bootstrap-server b:9092 --describe > topics.txt
  mqsim import kafka-topics topics.txt --groups groups.txt > cluster.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.topics = args[0]
			return runImport(cmd.OutOrStdout(), o, "mqsim import kafka-topics "+reports.ShellQuote(args[0])+groupsFlag(o.groups))
		},
	}
	topics.Flags().StringVar(&o.groups, "groups", "", "also import saved 'kafka-consumer-groups --describe' output")
	groups := &cobra.Command{
		Use:   "consumer-groups FILE",
		Short: "Import saved 'kafka-consumer-groups --describe' output",
		Example: `  kafka-consumer-groups.sh --bootstrap-server b:9092 --describe --all-groups > groups.txt
  mqsim import consumer-groups groups.txt > groups.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.groups = args[0]
			c := "mqsim import consumer-groups " + reports.ShellQuote(args[0])
			if o.topics != "" {
				c += " --topics " + reports.ShellQuote(o.topics)
			}
			return runImport(cmd.OutOrStdout(), o, c)
		},
	}
	groups.Flags().StringVar(&o.topics, "topics", "", "also import saved 'kafka-topics --describe' output")
	cmd.AddCommand(topics, groups)
	return cmd
}

func groupsFlag(g string) string {
	if g == "" {
		return ""
	}
	return " --groups " + reports.ShellQuote(g)
}

func runImport(stdout io.Writer, o importOptions, command string) error {
	var topics []scenarios.DescribedTopic
	var groups []scenarios.DescribedGroupRow
	if o.topics != "" {
		data, err := scenarios.ReadFile(o.topics)
		if err != nil {
			return badInput(err)
		}
		if topics, err = scenarios.ParseTopicsDescribe(o.topics, data); err != nil {
			return badInput(err)
		}
	}
	if o.groups != "" {
		data, err := scenarios.ReadFile(o.groups)
		if err != nil {
			return badInput(err)
		}
		if groups, err = scenarios.ParseGroupsDescribe(o.groups, data); err != nil {
			return badInput(err)
		}
	}
	out, err := scenarios.ImportKafka(topics, groups, command)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	_, err = stdout.Write(out)
	return err
}

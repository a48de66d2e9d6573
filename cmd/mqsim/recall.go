package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"

	"mqsim/reports"
	"mqsim/scenarios/interview"
	"mqsim/scenarios/recall"
)

type recallOptions struct {
	count   int
	topic   string
	seed    uint64
	seedSet bool
	spaced  bool
	print   bool
	topics  bool
	output  string
	// statePath is where --spaced keeps its boxes; empty means
	// recall.DefaultStatePath(). Tests set it; users cannot.
	statePath string
}

func newRecallCmd() *cobra.Command {
	var o recallOptions
	cmd := &cobra.Command{
		Use:   "recall",
		Short: "Flash cards on queues and event streaming, with optional spaced repetition",
		Long: `Flash cards drawn from the reference tables: sync vs async, queues and
pub/sub, delivery guarantees, ordering, Kafka's components and why it is fast,
sizing, failure handling, backpressure, the system comparison and the quick
recall table.

Each card shows a question; press Enter to see the answer, then say whether
you knew it (y or n; anything else is asked again). Cards come in an order fixed by --seed; without one a
seed is picked and printed, so a session can be replayed.

--spaced uses Leitner boxes: a card you know moves up a box and comes back
less often (every 1, 2, 4, 8, 16 sessions); a card you miss goes back to box
1. The boxes are kept in mqsim/recall.json in your configuration directory.`,
		Example: `  mqsim recall
  mqsim recall --topic delivery --count 5
  mqsim recall --spaced
  mqsim recall --print --topic systems`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.seedSet = cmd.Flags().Changed("seed")
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			out, finish, err := textJSON(cmd.OutOrStdout(), &o.output, "mqsim recall")
			if err != nil {
				return err
			}
			return finish(runRecall(ctx, cmd.InOrStdin(), out, cmd.ErrOrStderr(), o))
		},
	}
	f := cmd.Flags()
	f.IntVarP(&o.count, "count", "n", 10, "number of cards (0 for all)")
	f.StringVar(&o.topic, "topic", "", "only cards of this topic (see --topics)")
	f.Uint64Var(&o.seed, "seed", 0, "shuffle seed; the same seed gives the same order")
	f.BoolVar(&o.spaced, "spaced", false, "spaced repetition: due cards first, boxes kept in your config directory")
	f.BoolVar(&o.print, "print", false, "print the cards with their answers, without asking")
	f.BoolVar(&o.topics, "topics", false, "list the topics and exit")
	addOutputFlag(cmd, &o.output)
	return cmd
}

func runRecall(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, o recallOptions) error {
	switch {
	case o.output != "text" && o.output != "json":
		return badInput(fmt.Errorf("--output: unknown format %q (want text or json)", o.output))
	case o.count < 0:
		return badInput(fmt.Errorf("--count: %d; want 0 (all) or more", o.count))
	case o.print && o.spaced:
		return badInput(fmt.Errorf("--print shows cards without asking, so it cannot use --spaced"))
	}
	if o.topics {
		if o.output == "json" {
			return reports.JSON(stdout, recall.Topics)
		}
		for _, t := range recall.Topics {
			cs, _ := recall.Filter(recall.Cards(), t.Name)
			io.WriteString(stdout, interview.WrapHanging(fmt.Sprintf("%-14s %2d cards  ", t.Name, len(cs)), t.Title, interview.Width))
		}
		return nil
	}
	pool, err := recall.Filter(recall.Cards(), o.topic)
	if err != nil {
		return badInput(fmt.Errorf("--topic: %w", err))
	}
	seed := o.seed
	if !o.seedSet {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		seed = binary.LittleEndian.Uint64(b[:]) >> 1
	}

	var state *recall.State
	statePath := o.statePath
	var cards []recall.Card
	if o.spaced {
		if statePath == "" {
			if statePath, err = recall.DefaultStatePath(); err != nil {
				return err
			}
		}
		if state, err = recall.LoadState(statePath); err != nil {
			return badInput(err)
		}
		state.Begin()
		cards = state.Due(pool, o.count, seed)
	} else {
		cards, _ = recall.Select(pool, "", o.count, seed)
	}

	if o.print {
		if o.output == "json" {
			return reports.JSON(stdout, cards)
		}
		for i, c := range cards {
			io.WriteString(stdout, interview.WrapHanging(fmt.Sprintf("%d. [%s] ", i+1, c.Topic), c.Front, interview.Width))
			io.WriteString(stdout, interview.Wrap(c.Back, "   ", interview.Width))
		}
		return nil
	}

	if !o.seedSet {
		fmt.Fprintf(stderr, "seed %d (replay this order with --seed %d)\n", seed, seed)
	}
	if len(cards) == 0 {
		fmt.Fprintln(stdout, "No cards are due this session; come back next session or drop --spaced.")
		if state != nil {
			return state.Save(statePath)
		}
		return nil
	}
	in := newAnswerReader(ctx, stdin, stdout)
	defer in.close()
	knew, asked := 0, 0
	for i, c := range cards {
		fmt.Fprintf(stdout, "\nCard %d of %d [%s]\n", i+1, len(cards), c.Topic)
		io.WriteString(stdout, interview.Wrap("Q: "+c.Front, "", interview.Width))
		if _, err := in.readLine("(Enter shows the answer) "); err != nil {
			break
		}
		io.WriteString(stdout, interview.Wrap("A: "+c.Back, "", interview.Width))
		ok, err := askKnew(in, stdout)
		if err != nil {
			break
		}
		asked++
		if ok {
			knew++
		}
		if state != nil {
			state.Record(c.ID, ok)
		}
	}
	fmt.Fprintf(stdout, "\nKnew %d of %d cards.\n", knew, asked)
	if state != nil {
		n := state.Boxes(pool)
		fmt.Fprintf(stdout, "Boxes: new %d, 1: %d, 2: %d, 3: %d, 4: %d, 5: %d (session %d)\n", n[0], n[1], n[2], n[3], n[4], n[5], state.Session)
		return state.Save(statePath)
	}
	return nil
}

// askKnew asks whether the person knew the answer until the reply is yes
// or no: anything else ("maybe", a stray keystroke) is asked again rather
// than counted, so a card is never marked by accident.
func askKnew(in answerReader, out io.Writer) (bool, error) {
	for {
		line, err := in.readLine("Did you know it? [y/n] ")
		if err != nil {
			return false, err
		}
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes":
			return true, nil
		case "n", "no":
			return false, nil
		}
		io.WriteString(out, interview.Wrap(fmt.Sprintf("Please answer y if you knew it or n if you did not (%q is neither); a partly known card counts as n, so it comes back sooner.", strings.TrimSpace(line)), "", interview.Width))
	}
}

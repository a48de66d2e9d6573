// Command mqsim sizes and simulates message-queue and event-streaming systems.
package main

import (
	"os"

	_ "mqsim/model/systems" // every simulated system, for model.Run
)

func main() {
	os.Exit(execute(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

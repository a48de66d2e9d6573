package sim_test

import (
	"fmt"

	"mqsim/sim"
)

// A disk that writes 100 MB/s serves three 50 MB writes submitted at once:
// they finish at 0.5, 1 and 1.5 s.
func Example() {
	s := sim.New(42)
	disk, err := sim.NewRateServer(s, sim.RateServerConfig{Name: "disk", Servers: 1, Rate: 100e6})
	if err != nil {
		fmt.Println(err)
		return
	}
	done := func(j sim.Job) { fmt.Printf("write %d done at %v (waited %v)\n", j.Tag, s.Now(), j.Wait()) }
	s.At(0, func() {
		for i := uint64(1); i <= 3; i++ {
			disk.Submit(50e6, i, done)
		}
	})
	s.Run()
	fmt.Printf("utilisation %.2f\n", disk.Stats().Utilisation)
	// Output:
	// write 1 done at 500ms (waited 0s)
	// write 2 done at 1s (waited 500ms)
	// write 3 done at 1.5s (waited 1s)
	// utilisation 1.00
}

func ExampleParseDist() {
	d, err := sim.ParseDist("lognormal(median=5ms, p99=50ms)", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	ln := d.(sim.LogNormal)
	fmt.Printf("median %.3g s, p99 %.3g s, mean %.2f ms\n", ln.Quantile(0.5), ln.Quantile(0.99), d.Mean()*1e3)
	_, err = sim.ParseDist("lognormal(median=5ms, p99=1ms)", nil)
	fmt.Println(err)
	// Output:
	// median 0.005 s, p99 0.05 s, mean 8.16 ms
	// lognormal: p99 (1ms) must be greater than median (5ms)
}

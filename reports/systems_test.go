package reports

// Tests that run scenarios need the simulated systems linked in.
import _ "mqsim/model/systems"

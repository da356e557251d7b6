# fish completion for vfiobind(8). Commands and options are listed here
# (tests/packages/test-doc.sh holds them to `vfiobind --help`); the declared
# functions and [vm NAME] sections come from the helper itself:
# `vfiobind [--root DIR] [--config FILE] complete devices|vms`.

# The helper's candidates, for the --root/--config on the command line so far.
function __vfiobind_live
    set -l tokens (commandline -opc)
    set -l global
    set -l i 2
    while test $i -le (count $tokens)
        switch $tokens[$i]
            case -r --root -c --config
                set -a global $tokens[$i] $tokens[(math $i + 1)]
                set i (math $i + 1)
            case '--root=*' '--config=*'
                set -a global $tokens[$i]
        end
        set i (math $i + 1)
    end
    $tokens[1] $global complete $argv[1] 2>/dev/null
end

# The words after the options: the command and its arguments so far.
function __vfiobind_args
    set -l tokens (commandline -opc)
    set -l skip 0
    for t in $tokens[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case -r --root -c --config
                set skip 1
            case '-*'
            case '*'
                echo $t
        end
    end
end

function __vfiobind_no_command
    test (count (__vfiobind_args)) -eq 0
end

# __vfiobind_at CMD... : the words so far are exactly CMD...
function __vfiobind_at
    set -l a (__vfiobind_args)
    test "$a" = "$argv"
end

complete -c vfiobind -f
complete -c vfiobind -n __vfiobind_no_command -s r -l root -r -a '(__fish_complete_directories)' -d 'Take /sys, /proc, /etc, /run, /dev under DIR'
complete -c vfiobind -n __vfiobind_no_command -s c -l config -r -F -d 'Device list instead of /etc/vfiobind.conf'
complete -c vfiobind -n __vfiobind_no_command -s q -l quiet -d 'Log to the kernel log only'
complete -c vfiobind -n __vfiobind_no_command -s d -l debug -d 'Log debug messages'
complete -c vfiobind -n __vfiobind_no_command -s D -l devices-only -d 'check: only device list errors count'
complete -c vfiobind -n __vfiobind_no_command -s R -l record -r -a '(__fish_complete_directories)' -d 'check: check against this host, record what bind must refuse in DIR'
complete -c vfiobind -n __vfiobind_no_command -s j -l json -d 'list, plan, status, doctor: JSON on stdout'
complete -c vfiobind -n __vfiobind_no_command -s h -l help -d 'Show the help'
complete -c vfiobind -n __vfiobind_no_command -s V -l version -d 'Show the version'

complete -c vfiobind -n __vfiobind_no_command -a bind -d 'Bind the declared functions to vfio-pci'
complete -c vfiobind -n __vfiobind_no_command -a plan -d 'What bind would do; touches nothing'
complete -c vfiobind -n __vfiobind_no_command -a list -d 'Every PCI function by IOMMU group'
complete -c vfiobind -n __vfiobind_no_command -a status -d 'Declared against actual'
complete -c vfiobind -n __vfiobind_no_command -a doctor -d 'Check the whole chain, each problem with its fix'
complete -c vfiobind -n __vfiobind_no_command -a check -d 'Check a config'
complete -c vfiobind -n __vfiobind_no_command -a qemu-args -d "The -device options of a VM's functions"
complete -c vfiobind -n __vfiobind_no_command -a release -d 'Give functions back to their host drivers'
complete -c vfiobind -n __vfiobind_no_command -a vm -d 'Check, run, power off or talk QMP to a VM'

complete -c vfiobind -n '__vfiobind_at check' -F
complete -c vfiobind -n '__vfiobind_at qemu-args' -a '(__vfiobind_live vms)' -d VM
complete -c vfiobind -n '__vfiobind_at release' -a '(__vfiobind_live devices)' -d 'PCI function or slot'
complete -c vfiobind -n '__vfiobind_at bind' -a '(__vfiobind_live devices)' -d 'PCI function (the late bind udev runs)'
complete -c vfiobind -n '__vfiobind_at vm' -a check -d 'Whether the VM could start'
complete -c vfiobind -n '__vfiobind_at vm' -a run -d 'Start the VM headless and watch it'
complete -c vfiobind -n '__vfiobind_at vm' -a poweroff -d 'Power the host off if the guest shut down'
complete -c vfiobind -n '__vfiobind_at vm' -a qmp -d 'Send a QMP command to the running VM'
for sub in check run poweroff qmp
    complete -c vfiobind -n "__vfiobind_at vm $sub" -a '(__vfiobind_live vms)' -d VM
end

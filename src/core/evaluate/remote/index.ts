// Remote runners: evaluate candidates over SSH or as Slurm jobs (contract v1, as the local runner).
export { SshEvaluator, type SshEvaluatorOptions, type SetupFile, type RemoteLogger, type RemoteLogLevel } from './sshEvaluator';
export { SlurmEvaluator, type SlurmEvaluatorOptions } from './slurmEvaluator';
export {
  SshConnection, SshConnectionPool, SshConnectionLostError, SshHostKeyError, describeHost,
  type SshHostConfig, type SshExecOptions, type SshExecOutcome, type SshExecHandle,
} from './sshConnection';
export { parseKnownHosts, checkHostKey, knownHostsName, type KnownHostEntry, type HostKeyCheck } from './knownHosts';

/** Schedule id of the cluster's garbage collection (a Temporal Schedule starting `garbageCollectionWorkflow`). */
export function garbageCollectionScheduleId(clusterName: string): string {
  return `gc/${clusterName}`;
}

import { DescribeAvailabilityZonesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { CloudZonesPort } from '../../activities/preflight.js';

export function ec2Zones(ec2: EC2Client): CloudZonesPort {
  return {
    async region() {
      return ec2.config.region();
    },
    async zones() {
      const out = await ec2.send(
        new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] })
      );
      return (out.AvailabilityZones ?? []).map((z) => z.ZoneName!).sort();
    },
  };
}
